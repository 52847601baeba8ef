#!/usr/bin/env python3
"""A Zendesk-style full export for the migration benchmark.

    generate_export.py TICKETS OUT_DIR [COMMENTS_PER_TICKET]

Writes OUT_DIR/organizations.json, users.json (one end-user per 5 tickets, plus agents) and tickets.ndjson
(the full-export layout: one ticket per line with its comments inline). Deterministic.
"""
import json
import os
import random
import sys

tickets = int(sys.argv[1])
out = sys.argv[2]
per = int(sys.argv[3]) if len(sys.argv) > 3 else 5
os.makedirs(out, exist_ok=True)
rng = random.Random(42)
users = max(10, tickets // 5)
orgs = max(2, users // 200)

with open(os.path.join(out, "organizations.json"), "w") as f:
    json.dump({"organizations": [{"id": 5000 + i, "name": f"Org {i}", "details": f"Organization {i}"} for i in range(1, orgs + 1)],
               "next_page": None, "count": orgs}, f)

with open(os.path.join(out, "users.json"), "w") as f:
    rows = [{"id": 1, "name": "Alex Agent", "email": "alex.agent@sandbox.cstar.test", "role": "agent"},
            {"id": 2, "name": "Sam Support", "email": "sam.support@sandbox.cstar.test", "role": "agent"}]
    for i in range(1, users + 1):
        rows.append({"id": 1000 + i, "name": f"Customer {i}", "email": f"customer{i}@example.com", "role": "end-user",
                     "organization_id": 5000 + 1 + i % orgs, "tags": ["vip"] if i % 17 == 0 else [],
                     "created_at": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i // 60) % 60:02d}Z"})
    json.dump({"users": rows, "next_page": None, "count": len(rows)}, f)

statuses = ["new", "open", "pending", "hold", "solved", "closed"]
words = "order refund shipping invoice password login delivery broken late account upgrade billing".split()
with open(os.path.join(out, "tickets.ndjson"), "w") as f:
    for t in range(1, tickets + 1):
        requester = 1000 + 1 + rng.randrange(users)
        day = 1 + t % 28
        comments = []
        for c in range(per):
            agent = c % 2 == 1
            body = " ".join(rng.choice(words) for _ in range(25 + rng.randrange(40)))
            comments.append({"id": t * 100 + c, "author_id": (1 + c % 2) if agent else requester, "public": c != 3,
                             "body": f"Message {c}: {body}", "html_body": f"<p>Message {c}: {body}</p>",
                             "created_at": f"2025-03-{day:02d}T{10 + c:02d}:{t % 60:02d}:{(t // 60) % 60:02d}Z"})
        ticket = {"id": t, "subject": f"{rng.choice(words).title()} problem #{t}", "description": comments[0]["body"],
                  "status": statuses[t % len(statuses)], "priority": ["low", "normal", "high", "urgent"][t % 4],
                  "requester_id": requester, "assignee_id": 1 + t % 2, "tags": [rng.choice(words)],
                  "created_at": f"2025-03-{day:02d}T09:{t % 60:02d}:{(t // 60) % 60:02d}Z", "updated_at": "2025-04-01T00:00:00Z",
                  "comments": comments}
        f.write(json.dumps(ticket, separators=(",", ":")) + "\n")
