"""Cases: reports about the same content filed together, claimed, decided, approved.

routing.py and filing.py put reports into cases; claims.py leases a case to one reviewer;
decisions.py records verdicts and the four-eyes approval; evidence.py is the audited way to
look at media; lead_operations.py reassigns, merges and splits; selectors.py and viewing.py
read cases for pages (viewing audits what a person looked at). Who may do each of these is
decided in casework.permissions.
"""
