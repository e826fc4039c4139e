"""Sending what the cycle wrote to the outbox (email over SMTP, a file sink for the demo).

The cycle never sends: it writes outbox rows in its own transaction; a dispatcher reads
them and hands each to a notifier. (The dispatcher and notifiers arrive with reminders.)
"""
