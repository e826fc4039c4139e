"""Every change of state: the receivable lifecycle, the daily cycle, settlement."""
