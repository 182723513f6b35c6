"""Writing a typed canonical frame the way a force layout delivers it: the inverse of read.py + validate.py.

format_values turns typed values into the layout's cell strings (timestamps, yes/no values, local codes); write_file
renames the columns to the layout's headers and writes the file in its format (CSV in its encoding, or XLSX).
Row dirt for synthetic data is planted between the two, on the formatted strings.
"""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl

from ingestion.gate.contract import EXCEL_SERIAL, TEMPORAL, Contract, Layout

EXCEL_EPOCH = datetime(1899, 12, 30)


def written_columns(contract: Contract, layout: Layout, present: list[str]) -> list[str]:
    """Canonical columns a layout writes, in contract order: those present, less the ones the layout omits."""
    omits = set(layout.omits)
    return [name for name in contract.names if name in present and name not in omits]


def _inverse(mapping: dict[str, str]) -> dict[str, str]:
    """{canonical: first local value mapping to it}."""
    out: dict[str, str] = {}
    for local, canonical in mapping.items():
        out.setdefault(canonical, local)
    return out


def _timestamp_text(c: pl.Expr, fmt: str) -> pl.Expr:
    if fmt == EXCEL_SERIAL:
        days = (c.cast(pl.Datetime("ms")) - pl.lit(EXCEL_EPOCH)).dt.total_milliseconds() / 86_400_000
        return days.cast(pl.String)
    return c.dt.strftime(fmt)


def format_values(df: pl.DataFrame, contract: Contract, layout: Layout) -> pl.DataFrame:
    """Typed canonical columns -> the layout's cell strings (nulls become empty strings).

    Timestamps use the layout's first format (an Excel serial like "45413.5625" for `excel_serial`); booleans the
    first bool_map key for True / False; codes the first local code that maps to them (else the canonical code).
    """
    exprs = []
    for name in written_columns(contract, layout, df.columns):
        col, c = contract.column(name), pl.col(name)
        if col.type in TEMPORAL:
            text = _timestamp_text(c, layout.timestamp_formats[0])
        elif col.type == "bool":
            yes = next(k for k, v in layout.bool_map.items() if v)
            no = next(k for k, v in layout.bool_map.items() if not v)
            text = pl.when(c.is_null()).then(None).when(c).then(pl.lit(yes)).otherwise(pl.lit(no))
        elif col.type == "code" and layout.code_maps.get(name):
            text = c.cast(pl.String).replace(_inverse(layout.code_maps[name]))
        else:
            text = c.cast(pl.String)
        exprs.append(text.fill_null("").alias(name))
    return df.select(exprs)


def write_file(df_str: pl.DataFrame, contract: Contract, layout: Layout, path_stem: Path | str) -> Path:
    """Write formatted strings (canonical names) as the layout delivers them; returns the path written.

    `.csv` in the layout's encoding (Windows-1252 CSVs get CRLF line endings as Excel writes them) or `.xlsx`
    (excel_serial timestamps as numbers, everything else as text). Empty strings become empty cells.
    """
    path_stem = Path(path_stem)
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    frame = df_str.rename({name: layout.header_of(name) for name in df_str.columns if name in contract.names})
    if layout.file_format == "xlsx":
        path = path_stem.with_name(path_stem.name + ".xlsx")
        serial = {
            layout.header_of(c.name)
            for c in contract.columns
            if c.type in TEMPORAL and layout.timestamp_formats[0] == EXCEL_SERIAL
        }
        _write_xlsx(frame, path, serial)
        return path
    path = path_stem.with_name(path_stem.name + ".csv")
    frame = frame.with_columns(pl.when(pl.all() == "").then(None).otherwise(pl.all()).name.keep())
    if layout.encoding == "utf-8":
        frame.write_csv(path)
    else:
        path.write_bytes(frame.write_csv(line_terminator="\r\n").encode(layout.encoding))
    return path


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _xml_text(c: pl.Expr) -> pl.Expr:
    escaped = c.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True)
    return escaped.str.replace_all(">", "&gt;", literal=True).str.replace_all(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "")


def _write_xlsx(frame: pl.DataFrame, path: Path, numeric: set[str]) -> None:
    """A minimal one-sheet workbook (inline strings; `numeric` columns as numbers where they parse), built with
    vectorised string operations: xlsxwriter's cell-by-cell writing was about 25,000 cells a second. The zip
    entries carry a fixed date, so the same data gives byte-identical files."""
    rownum = (pl.int_range(pl.len()) + 2).cast(pl.String)
    cells = []
    for j, name in enumerate(frame.columns):
        c, ref = pl.col(name), pl.concat_str([pl.lit(f'<c r="{_column_letter(j)}'), rownum])
        text = pl.concat_str(
            [ref, pl.lit('" t="inlineStr"><is><t xml:space="preserve">'), _xml_text(c), pl.lit("</t></is></c>")]
        )
        if name in numeric:
            number = c.cast(pl.Float64, strict=False)
            text = (
                pl.when(number.is_not_null())
                .then(pl.concat_str([ref, pl.lit('"><v>'), number.cast(pl.String), pl.lit("</v></c>")]))
                .otherwise(text)
            )
        cells.append(pl.when(c.is_null() | (c == "")).then(pl.lit("")).otherwise(text))
    rows = frame.select(pl.concat_str([pl.lit('<row r="'), rownum, pl.lit('">'), *cells, pl.lit("</row>")]).alias("x"))
    header = "".join(
        f'<c r="{_column_letter(j)}1" t="inlineStr"><is><t>{escape(name)}</t></is></c>'
        for j, name in enumerate(frame.columns)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f'<row r="1">{header}</row>' + "".join(rows["x"].to_list()) + "</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, content in [*_XLSX_PARTS.items(), ("xl/worksheets/sheet1.xml", sheet)]:
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content, zipfile.ZIP_DEFLATED)
