"""DuckDB side of bench/analyze.sh: the port-scan and exfiltration aggregations of
`flowaudit analyze`, with the same thresholds, over the same gzip text files.

    duckdb_queries.py scan|exfil|both DIR

`scan` and `exfil` read the files in their query; `both` loads them into a table
once and runs the two queries on it. Prints the rows found and the time.
"""

import sys
import time

import duckdb

# Private, shared, loopback and link-local addresses: the complement of public
# (the same expression `flowaudit analyze --athena` uses).
PRIVATE = (r"^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|"
           r"127\.|169\.254\.|f[cd]|fe[89ab]|::1$)")


def source(path):
    return f"""read_csv('{path}/**/*.log.gz', delim=' ', header=true, nullstr='-', columns={{
        'version': 'INTEGER', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR',
        'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR', 'srcport': 'INTEGER', 'dstport': 'INTEGER',
        'protocol': 'INTEGER', 'packets': 'BIGINT', 'bytes': 'BIGINT', 'start': 'BIGINT',
        'end': 'BIGINT', 'action': 'VARCHAR', 'log_status': 'VARCHAR'}})"""


def scan(table):
    # One source, >= 25 distinct ports of one host, >= 80% of the flows rejected.
    return f"""SELECT srcaddr, dstaddr, count(DISTINCT dstport) AS ports, count(*) AS flows,
        count(*) FILTER (WHERE action = 'REJECT') AS rejected
        FROM {table} WHERE dstport IS NOT NULL GROUP BY srcaddr, dstaddr
        HAVING count(DISTINCT dstport) >= 25
           AND count(*) FILTER (WHERE action = 'REJECT') >= 0.8 * count(*)"""


def exfil(table):
    # Bytes from one internal host to public addresses per hour, >= 1 GiB.
    return f"""SELECT srcaddr, "start" // 3600 AS hour, sum(bytes) AS sent FROM {table}
        WHERE action = 'ACCEPT' AND regexp_matches(srcaddr, '{PRIVATE}')
          AND NOT regexp_matches(dstaddr, '{PRIVATE}')
        GROUP BY srcaddr, hour HAVING sum(bytes) >= 1073741824"""


def main():
    what, path = sys.argv[1], sys.argv[2]
    con = duckdb.connect()
    t = time.time()
    if what == "both":
        con.execute(f"CREATE TABLE flows AS SELECT * FROM {source(path)}")
        rows = [len(con.execute(q("flows")).fetchall()) for q in (scan, exfil)]
    else:
        rows = [len(con.execute({"scan": scan, "exfil": exfil}[what](source(path))).fetchall())]
    print(f"{what}: rows {rows} in {time.time() - t:.2f} s")


if __name__ == "__main__":
    main()
