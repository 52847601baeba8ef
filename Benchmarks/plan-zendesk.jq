# What `cstar-io plan` does with the built-in zendesk mapping, as one jq program: the peer of Benchmarks/plan.sh.
#
#   jq -c -n --slurpfile users users.json --slurpfile orgs organizations.json -f Benchmarks/plan-zendesk.jq tickets.ndjson
#
# Organizations → customer groups, end-users → customers, tickets with their comments as messages: the same
# fields, value maps, trims, dates, user lookups (requester and author name, role, assignee email) and references
# (as plan's placeholders, @customers:<key> and @member:<email>), each comment's html_body turned into text.
# The HTML → text is an approximation of the converter (script/style/head dropped, block tags and <br> → line
# breaks, list items → "- ", other tags stripped, common entities decoded, white space collapsed); it does not
# check what plan checks (required fields, duplicates, unmapped values), so it is a floor for the mapping work.

def clean: if type == "string" then sub("^\\s+"; "") | sub("\\s+$"; "") else . end;
def str: if . == null then null else tostring end;
def iso: if type == "string" then sub("\\.[0-9]+"; "") | fromdateiso8601 | todateiso8601 else null end;
def html2text:
  gsub("(?i)<(script|style|head)[^>]*>[^<]*</(script|style|head)>"; "")
  | gsub("(?i)<br[^>]*>"; "\n")
  | gsub("(?i)<li[^>]*>"; "\n- ")
  | gsub("(?i)</?(p|div|h[1-6]|table|blockquote|pre|ul|ol|tr)(\\s[^>]*)?>"; "\n\n")
  | gsub("<[^>]*>"; "")
  | gsub("&nbsp;"; " ") | gsub("&lt;"; "<") | gsub("&gt;"; ">") | gsub("&quot;"; "\"") | gsub("&#39;|&apos;"; "'")
  | gsub("&amp;"; "&")
  | gsub("[ \t\r\f]+"; " ") | gsub(" ?\n ?"; "\n") | gsub("\n\n\n+"; "\n\n") | clean;

($users[0].users) as $all
| (reduce $all[] as $u ({}; .[$u.id | tostring] = $u)) as $byId
| (
    ($orgs[0].organizations[]
      | {target: "customer-groups", name: (.name | clean), externalId: (.id | str),
         description: ((.details // .notes) | clean), customFields: {domain_names: ((.domain_names // []) | join(", ")), tags: ((.tags // []) | join(" "))}}),
    ($all[] | select(.role == "end-user")
      | {target: "customers", email: (.email | clean | ascii_downcase), name: ((.name // .email) | clean),
         status: (if .suspended == true then "inactive" else "active" end), tags: [(.tags // [])[] | clean | ascii_downcase],
         notes: ((.notes // .details) | clean | if . == "" then null else . end),
         metadata: {zendeskUserId: (.id | str), zendeskOrganizationId: (.organization_id | str), phone: .phone, timeZone: .time_zone, locale: .locale},
         createdAt: (.created_at | iso), updatedAt: (.updated_at | iso)}),
    ($all[] | select(.role == "end-user" and .organization_id != null)
      | {target: "customer-group-memberships", groupId: "@organizations:\(.organization_id)", customerId: "@customers:\(.id)"}),
    (inputs | select(.status != "deleted")
      | ($byId[.requester_id | tostring]) as $requester
      | ($byId[.assignee_id | tostring]) as $assignee
      | {target: "tickets", externalId: (.id | str),
         title: (((.subject // .raw_subject) | clean | .[0:250]) // "(no subject)"),
         status: ({new: "new", open: "open", pending: "pending", hold: "pending", solved: "resolved", closed: "closed"}[.status]),
         priority: ({low: "low", normal: "normal", high: "high", urgent: "urgent"}[.priority]),
         tags: ([(.tags // [])[] | clean | ascii_downcase] + (if .type then ["type:\(.type)"] else [] end)),
         customerId: "@customers:\(.requester_id)",
         customerName: ($requester.name // .via.source.from.name // "Unknown requester (Zendesk user \(.requester_id))"),
         assignedTo: (if $assignee.email then "@member:\($assignee.email)" else null end),
         metadata: {zendeskTicketId: (.id | str), zendeskAssigneeId: (.assignee_id | str), assigneeEmail: $assignee.email,
                    requesterEmail: ($requester.email // .via.source.from.address), zendeskOrganizationId: (.organization_id | str),
                    zendeskSubmitterId: (.submitter_id | str)},
         createdAt: (.created_at | iso), updatedAt: (.updated_at | iso),
         messages: ([(.comments // [])[]
           | ($byId[.author_id | tostring]) as $author
           | {content: (if .html_body then .html_body | html2text else .body end),
              sender: ({"end-user": "customer", agent: "agent", admin: "agent"}[$author.role // ""] // "customer"),
              senderName: ($author.name // .via.source.from.name), isInternal: ((.public // true) | not), createdAt: (.created_at | iso)}]
           | sort_by(.createdAt))})
  )
