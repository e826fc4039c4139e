"""One read model per resource, shared by every shell (the CLI, the pages, the REST API).

customers.py, receivables.py, payments.py, warnings.py: typed rows and the functions that
list (filters, an optional collector ``scope``, optional paging) and fetch one record;
timeline.py: a receivable's or a customer's story as one list of entries; accounts.py:
beside a page of worklist rows, each customer's contact to call, promise or plan and last
contact. The shells only format what these return. Listings are set-based: aggregates
for a page come from one grouped query, never one query per row.
"""
