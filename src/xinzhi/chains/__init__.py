"""Industry-chain and innovation-chain maps and the "325" chokepoint method.

    vocab        segments, node kinds, problem classes, supply status, capability, the 5 modes
    spec         a chain map as data (ChainSpec → NodeSpec → TechnologySpec, LinkSpec; EdgeSpec)
    fields       the fields of chain files, shared by YAML, .xlsx and the docs
    located      YAML with the line of every value;  problems: errors naming where and why
    build        records → ChainSpec, with the checks across records (duplicates, cycles)
    yamlio       YAML read/write;  workbook: .xlsx template, read/write
    graph        cycles, levels, exact downstream counts (numpy, scipy.sparse)
    rules        analysis.yaml: weights, thresholds, the tackling-mode rule
    linking      local enterprises (explicit, keyword, industry code), patents, platforms
    analysis     scores, the 问题清单 and the 技术清单;  technology_list() for other areas
    innovation   patents, platforms, research results, experts and demands per node
    repository   versions in the database;  catalogue: database first, else shipped maps
    layout, svg  the layered map and its SVG;  report: the analysis as .xlsx
    terms        domain_terms() for the matching area's segmenter
    cli          `xinzhi chain …`

Guide: docs/chains.md.
"""
