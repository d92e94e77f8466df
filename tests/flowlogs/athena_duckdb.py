"""Runs the SQL of `flowaudit analyze --athena` on DuckDB over generated flow logs,
so the queries handed to Athena are checked for what they find, not only for
their text.

    athena_duckdb.py SQL_FILE DATA_DIR

The files of DATA_DIR (gzip text with a header line, default format) become the
table the DDL describes, with the partition columns filled in (account
123456789012, region us-east-1, day from each record's start). Presto functions
DuckDB names differently get a macro of the Presto name. The placeholders are
set to that account and region and the days 2026/11/20 to 2026/11/22. Prints
{"check id": [first column of each row], ...} as JSON.
"""

import json
import re
import sys

import duckdb


def main():
    sql_file, data = sys.argv[1], sys.argv[2]
    text = open(sql_file).read()
    table = re.search(r"CREATE EXTERNAL TABLE IF NOT EXISTS (\w+)", text).group(1)
    con = duckdb.connect()
    con.execute("CREATE MACRO regexp_like(s, p) AS regexp_matches(s, p)")
    con.execute("CREATE MACRO from_unixtime(t) AS CAST(to_timestamp(t) AS TIMESTAMP)")
    con.execute(f"""CREATE TABLE {table} AS
        SELECT *, '123456789012' AS account, 'us-east-1' AS region,
               strftime(to_timestamp("start"), '%Y/%m/%d') AS day
        FROM read_csv('{data}/*.log.gz', delim=' ', header=true, nullstr='-', columns={{
            'version': 'INTEGER', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR',
            'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR', 'srcport': 'INTEGER', 'dstport': 'INTEGER',
            'protocol': 'BIGINT', 'packets': 'BIGINT', 'bytes': 'BIGINT', 'start': 'BIGINT',
            'end': 'BIGINT', 'action': 'VARCHAR', 'log_status': 'VARCHAR'}})""")
    found = {}
    for statement in text.split(";"):
        head = re.search(r"-- (flowlog-[a-z-]+)", statement)
        if not head or "CREATE EXTERNAL TABLE" in statement:
            continue
        query = (statement.replace("<ACCOUNT>", "123456789012").replace("<REGION>", "us-east-1")
                 .replace("<FROM yyyy/MM/dd>", "2026/11/20").replace("<TO yyyy/MM/dd>", "2026/11/22"))
        rows = con.execute(query).fetchall()
        found[head.group(1)] = [str(r[0]) for r in rows]
    json.dump(found, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
