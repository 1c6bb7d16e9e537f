"""NCMEC's hash sharing databases, by the names python-threatexchange's NCMECEnvironment
gives them (copied, so the admin form validates without importing the client)."""

NCMEC_ENVIRONMENTS = (
    "Industry",
    "Industry_Exploitative",
    "LawEnforcement",
    "NGO",
    "Exploitative",
    "NGO_Generative_AI",
    "NGO_Generative_AI_Exploitative",
    "test_Industry",
    "test_Industry_Exploitative",
    "test_LawEnforcement",
    "test_NGO",
    "test_Exploitative",
    "test_NGO_Generative_AI",
    "test_NGO_Generative_AI_Exploitative",
)
