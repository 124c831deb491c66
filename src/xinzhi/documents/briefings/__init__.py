"""工作简报 / 图鉴: the bureau's monthly, quarterly and annual briefings as Word and PDF.

``compose.build_briefing`` measures the period's figures (``xinzhi.metrics.figures``) and
words them in the 图鉴's style; ``word.write_docx`` and ``pdf.write_pdf`` write the same
content, every figure footnoted with its data date and source.
"""
