"""A row-cursor DataTable with its columns, as the list screens use it."""

from __future__ import annotations

from textual.widgets import DataTable

Column = str | tuple[str, str, int]  # a label (its key is its first word, lower-cased), or (label, key, width)


def rows_table(table_id: str, *columns: Column) -> DataTable[object]:
    """A table whose cursor moves by row, striped, with `columns`; cells go in through `text.cell`."""
    table: DataTable[object] = DataTable(id=table_id, cursor_type="row", zebra_stripes=True)
    for column in columns:
        if isinstance(column, tuple):
            label, key, width = column
            table.add_column(label, key=key, width=width)
        else:
            table.add_column(column, key=(column.split() or [""])[0].lower())
    return table
