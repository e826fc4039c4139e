"""Sending what the cycle wrote to the outbox (email over SMTP, a file sink for the demo).

The cycle never sends: it renders each reminder (templates.py) and writes an outbox row
in its own transaction; the dispatcher reads the rows and hands each to a notifier.

base.py      the Notifier contract, OutgoingMessage, build_email, the two failure kinds
smtp.py      SmtpNotifier: aiosmtplib with a small connection pool (settings.py: SmtpSettings)
filesink.py  FileSink: var/outbox/<key>.eml, the embedded default
templates.py Jinja2 templates in config/templates/<language>/<name>.j2 (filters.py, sample.py)
"""
