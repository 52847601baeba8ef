#!/usr/bin/env python3
"""Generate a Zendesk-like tickets export: a View CSV and the same data as a wrapped JSON array and as NDJSON.

usage: generate_tickets.py ROWS OUT_DIR
Writes OUT_DIR/tickets-ROWS.csv, OUT_DIR/tickets-ROWS.json ({"tickets": [...], "next_page": null, "count": N})
and OUT_DIR/tickets-ROWS.ndjson (the same ticket objects, one per line, as Zendesk's full export writes them).
Deterministic (seeded), so runs on different machines read the same bytes.
"""
import csv, json, random, sys, os

HEADER = ["Summation column", "Id", "Requester", "Requester id", "Requester external id", "Requester email",
          "Requester domain", "Submitter", "Assignee", "Group", "Subject", "Tags", "Status", "Priority", "Via",
          "Ticket type", "Created at", "Updated at", "Assigned at", "Organization", "Due date",
          "Initially assigned at", "Solved at", "Resolution time", "Satisfaction Score", "Reopens", "Replies",
          "Reason for contact [list]", "Order number [txt]"]
FIRST = ["Maria", "Liam", "Hannah", "Jake", "Zoë", "Tom", "Priya", "Carlos", "Samuel", "Ava", "Noah", "Léa", "Kenji"]
LAST = ["Gonzalez", "O'Connor", "Kim", "Thornton", "Becker", "Raman", "Mendoza", "Adeyemi", "Nguyen", "Müller"]
DOMAINS = ["gmail.com", "outlook.com", "summittrailguides.com", "example.org", "mailbox.org"]
AGENTS = ["Alex Moreno", "Sam Okafor", "Priya Raman", ""]
GROUPS = ["Customer Care", "Returns & Warranty"]
SUBJECTS = ["Bulk order of headlamps for guide team", "Zipper broke on the Alpine 45 pack, warranty?",
            "Where is my order NW-{n}?", "Refund for \"Summit\" tent, wrong size", "Boots, size 44 vs 45: which fits?",
            "Question about shipping to Canada, customs fees", "Damaged on arrival; photos attached\nPlease advise"]
TAGS = ["bulk_order", "warranty", "shipping", "refund", "vip", "product_question", "returns", "team_sales"]
STATUS = ["New", "Open", "Pending", "Hold", "Solved", "Closed"]
PRIO = ["Low", "Normal", "High", "Urgent", ""]
VIA = ["Mail", "Web form", "Web service"]
TYPES = ["Question", "Incident", "Problem", "Task", ""]
REASONS = ["Order issue", "Return request", "Product question", "Warranty", "Shipping & delivery"]


def rows(n, rng):
    for i in range(1, n + 1):
        f, l = rng.choice(FIRST), rng.choice(LAST)
        dom = rng.choice(DOMAINS)
        day = 1 + i % 28
        created = "2025-%02d-%02d %02d:%02d" % (1 + i % 12, day, i % 24, i % 60)
        updated = "2025-%02d-%02d %02d:%02d" % (1 + i % 12, min(28, day + 1), (i + 3) % 24, (i * 7) % 60)
        status = STATUS[i % 6]
        yield ["", str(i), f"{f} {l}", str(36100000000 + i % 50000), f"crm-{10000 + i % 9000}" if i % 3 else "",
               f"{f.lower()}.{l.lower()}@{dom}".replace("'", ""), dom, f"{f} {l}", rng.choice(AGENTS), rng.choice(GROUPS),
               rng.choice(SUBJECTS).format(n=100000 + i), " ".join(rng.sample(TAGS, 1 + i % 3)), status, rng.choice(PRIO),
               rng.choice(VIA), rng.choice(TYPES), created, updated, updated if i % 2 else "", "Northwind Outfitters" if i % 4 == 0 else "",
               "", created, updated if status in ("Solved", "Closed") else "", str(i % 500), rng.choice(["Good", "Bad", "Offered", "Unoffered"]),
               str(i % 3), str(i % 7), rng.choice(REASONS), f"NW-{100000 + i}"]


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    base = os.path.join(out, f"tickets-{n}")
    rng = random.Random(20261123)
    with open(base + ".csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        w.writerow(HEADER)
        for r in rows(n, rng):
            w.writerow(r)
    rng = random.Random(20261123)
    with open(base + ".json", "w", encoding="utf-8") as f:
        f.write('{"tickets": [\n')
        for k, r in enumerate(rows(n, rng)):
            if k:
                f.write(",\n")
            f.write(json.dumps(dict(zip(HEADER, r)), ensure_ascii=False))
        f.write('\n], "next_page": null, "count": %d}\n' % n)
    rng = random.Random(20261123)
    with open(base + ".ndjson", "w", encoding="utf-8") as f:
        for r in rows(n, rng):
            f.write(json.dumps(dict(zip(HEADER, r)), ensure_ascii=False))
            f.write("\n")


if __name__ == "__main__":
    main()
