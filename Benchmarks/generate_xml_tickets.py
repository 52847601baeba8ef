#!/usr/bin/env python3
"""Write a Zendesk-like XML export of tickets (the layout of Samples/zendesk-xml/tickets.xml) of about SIZE MB.

    python3 Benchmarks/generate_xml_tickets.py SIZE_MB OUT.xml

Each ticket has 20 typed fields, 3 comments (one private, one with an attachment), two custom field entries and
text with entities (&amp;, &lt;) and non-ASCII; sizes vary with the ticket number. Deterministic.
"""
import sys

WORDS = ("brake rotor wheel truing tubeless chain derailleur cassette spoke saddle fork shock headset "
         "pedal crank café señor Grüße naïve").split()


def text(n, k):
    words = [WORDS[(n * 7 + i * k) % len(WORDS)] for i in range(8 + (n * k) % 40)]
    return " ".join(words) + f" &amp; part #{n}-{k} &lt;ok&gt;"


def ticket(n):
    created = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z"
    c = []
    for k in range(3):
        att = ""
        if k == 1:
            att = (f'\n        <attachments type="array">\n          <attachment>\n            <content-type>image/jpeg</content-type>\n'
                   f'            <filename>photo-{n}.jpg</filename>\n            <id type="integer">{n * 10 + k}</id>\n'
                   f'            <size type="integer">{1000 + n % 5000}</size>\n'
                   f'            <url>https://example.zendesk.com/attachments/token/t{n}/?name=photo-{n}.jpg</url>\n'
                   f'          </attachment>\n        </attachments>')
        else:
            att = '\n        <attachments type="array"/>'
        c.append(f"""      <comment>
        <author-id type="integer">{390577201000 + (n + k) % 50}</author-id>
        <created-at type="datetime">{created}</created-at>
        <id type="integer">{n * 100 + k}</id>
        <is-public type="boolean">{"false" if k == 2 else "true"}</is-public>
        <value>{text(n, k + 1)}</value>
        <via-id type="integer">{0 if k else 4}</via-id>{att}
      </comment>""")
    comments = "\n".join(c)
    return f"""  <ticket>
    <assignee-id type="integer">390577201002</assignee-id>
    <created-at type="datetime">{created}</created-at>
    <current-tags>brakes walk_in t{n % 97}</current-tags>
    <description>{text(n, 1)}</description>
    <due-date type="datetime" nil="true"></due-date>
    <external-id nil="true"></external-id>
    <group-id type="integer">{360000 + n % 7}</group-id>
    <nice-id type="integer">{n}</nice-id>
    <organization-id type="integer" nil="true"></organization-id>
    <priority-id type="integer">{n % 5}</priority-id>
    <problem-id type="integer" nil="true"></problem-id>
    <recipient nil="true"></recipient>
    <requester-id type="integer">{390577201011 + n % 17}</requester-id>
    <status-id type="integer">{n % 5}</status-id>
    <subject>Ticket {n}: {WORDS[n % len(WORDS)]} issue</subject>
    <submitter-id type="integer">{390577201011 + n % 17}</submitter-id>
    <ticket-type-id type="integer">{n % 5}</ticket-type-id>
    <updated-at type="datetime">{created}</updated-at>
    <via-id type="integer">{0 if n % 3 else 4}</via-id>
    <comments type="array">
{comments}
    </comments>
    <ticket-field-entries type="array">
      <ticket-field-entry>
        <ticket-field-id type="integer">27642</ticket-field-id>
        <value>bike_gravel</value>
      </ticket-field-entry>
      <ticket-field-entry>
        <ticket-field-id type="integer">27648</ticket-field-id>
        <value>svc_truing svc_brakes</value>
      </ticket-field-entry>
    </ticket-field-entries>
  </ticket>
"""


def main():
    size = int(float(sys.argv[1]) * 1_000_000)
    out = sys.argv[2]
    written = 0
    n = 0
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<tickets type="array">\n')
        while written < size:
            chunk = "".join(ticket(n + i) for i in range(1, 1001))
            n += 1000
            f.write(chunk)
            written += len(chunk.encode("utf-8"))
        f.write("</tickets>\n")
    import os
    os.replace(out + ".tmp", out)
    print(f"{out}: {n} tickets, {os.path.getsize(out) / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
