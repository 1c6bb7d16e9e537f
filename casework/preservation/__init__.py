"""Preservation, legal holds and purging of evidence (see README: Preservation).

policy.py says how long evidence is kept; escalated.py preserves what a hotline report
carried; holds.py places and lifts legal holds; purge.py deletes the bytes whose keeping has
ended; keeping.py explains it all for the case page and the preservation report.
"""
