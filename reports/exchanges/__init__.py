"""Hash exchanges: lists kept current by fetching from NCMEC's hash sharing, StopNCII and
(later) ThreatExchange with python-threatexchange's clients, incrementally from a checkpoint."""
