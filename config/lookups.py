"""``field__any_of=ids``: membership in a long list of values, cheaply.

Django's ``__in`` resolves and binds every value on its own: for a bulk
decision on 500 letters that is most of the Python time spent building the
query. ``__any_of`` sends the list as one array parameter on PostgreSQL
(``= ANY(%s)``) and as plain placeholders elsewhere (SQLite).
"""

from django.db import connection
from django.db.models import Field, Lookup


@Field.register_lookup
class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def insert_rows(table: str, columns: list[str], rows: list[tuple], *, per_statement=6000) -> None:
    """A multi-row INSERT of plain values, without building a model per row.

    For the bulk decisions' ledger and log rows: at 500 rows, building the
    model instances for ``bulk_create`` costs more than the INSERT itself.
    Datetimes must already be adapted (connection.ops.adapt_datetimefield_value).
    """
    if not rows:
        return
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    size = max(1, per_statement // len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                f"VALUES {', '.join([one] * len(chunk))}",
                [value for row in chunk for value in row],
            )
