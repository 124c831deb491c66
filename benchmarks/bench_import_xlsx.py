"""A 1,000,000-row enterprise-year .xlsx import and the preview of a 100,000-row one (issue #17).

Targets on 2 cores: the import ≤ 90 s; the preview (``--dry-run``: every row checked and
counted, then rolled back) ≤ 5 s. Baseline in the same run: the readers on the 100,000-row
file — openpyxl (read-only, the reader before), python-calamine (chosen) and fastexcel.

    PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/bench_import_xlsx.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import tempfile
import time
from pathlib import Path

from bench_import import HEADER, YEARS, codes, prepare
from bench_import_memory import _rss_mb


def write_xlsx(path: Path, firms: list[str], rows: int) -> None:
    """Numbers as number cells, as a spreadsheet holds them; a title row above the header."""
    from openpyxl import Workbook

    rng = random.Random(7)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("企业年度数据")
    sheet.append(["2021–2023年企业主要经济指标"])
    sheet.append(HEADER)
    for i in range(rows):
        revenue = rng.randrange(1_000_000, 500_000_000_00) / 100
        rd = round(revenue * rng.uniform(0.01, 0.08), 2)
        staff = rng.randrange(5, 800)
        sheet.append(
            [
                firms[i // len(YEARS)],
                YEARS[i % len(YEARS)],
                revenue,
                round(revenue * 1.02, 2),
                round(revenue * 0.7, 2),
                round(revenue * 1.5, 2),
                round(revenue * 0.4, 2),
                staff,
                staff // 6,
                rd,
                round(rd * 0.9, 2),
                round(revenue * 0.05, 2),
                round(revenue * 0.08, 2),
            ]
        )
    workbook.save(path)


def _child(database: str, path: str, dry_run: bool, queue) -> None:
    from xinzhi.ingest.pipeline import import_file
    from xinzhi.store.db import make_engine

    engine = make_engine(f"sqlite:///{database}")
    with engine.connect():
        pass
    Path("/proc/self/clear_refs").write_text("5")
    idle = _rss_mb()
    start = time.perf_counter()
    result = import_file(engine, "enterprise_years", Path(path), actor="bench", dry_run=dry_run)
    seconds = time.perf_counter() - start
    assert result.ok, result.errors[:5]
    peak = next(
        int(line.split()[1]) / 1024
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmHWM:")
    )
    queue.put((seconds, idle, peak, result.rows, result.inserted))


def run(database: Path, path: Path, dry_run: bool) -> tuple:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(str(database), str(path), dry_run, queue))
    process.start()
    outcome = queue.get()
    process.join()
    return outcome


def read_all(reader: str, path: Path) -> float:
    start = time.perf_counter()
    if reader == "openpyxl":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        for _ in workbook.worksheets[0].iter_rows(values_only=True):
            pass
        workbook.close()
    elif reader == "python-calamine":
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_path(str(path)) as workbook:
            for _ in workbook.get_sheet_by_index(0).iter_rows():
                pass
    else:
        import fastexcel

        fastexcel.read_excel(path).load_sheet(0, header_row=None).to_arrow()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--preview-rows", type=int, default=100_000)
    parser.add_argument("--files", type=Path, help="keep the generated files here")
    parser.add_argument("--preview-only", action="store_true", help="skip the 1M-row import")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = args.files or tmp
        files.mkdir(parents=True, exist_ok=True)
        firms = codes(-(-args.rows // len(YEARS)))
        big, small = files / f"years_{args.rows}.xlsx", files / f"years_{args.preview_rows}.xlsx"
        for path, rows in ((big, args.rows), (small, args.preview_rows)):
            if not path.exists() and not (args.preview_only and path == big):
                start = time.perf_counter()
                write_xlsx(path, firms, rows)
                print(
                    f"wrote {path.name}: {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - start:.0f} s"
                )
        prepare(tmp / "preview.db", firms)
        seconds, idle, peak, rows, _ = run(tmp / "preview.db", small, True)
        print(
            f"preview (--dry-run) of {rows:,} rows: {seconds:.2f} s (target <= 5 s); RSS +{peak - idle:.0f} MB"
        )
        for reader in ("python-calamine", "fastexcel", "openpyxl"):
            print(
                f"read all {args.preview_rows:,} rows with {reader}: {read_all(reader, small):.2f} s"
            )
        if args.preview_only:
            return
        prepare(tmp / "import.db", firms)
        seconds, idle, peak, rows, inserted = run(tmp / "import.db", big, False)
        size = big.stat().st_size / 1e6
        print(
            f"import of {rows:,} rows ({size:.1f} MB .xlsx): {seconds:.1f} s (target <= 90 s), "
            f"{inserted:,} inserted; RSS idle {idle:.0f} MB, peak {peak:.0f} MB "
            f"(+{peak - idle:.0f} MB, {(peak - idle) / size:.1f}x the file)"
        )


if __name__ == "__main__":
    main()
