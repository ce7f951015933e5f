"""The directory of service providers: NGOs, shelters, clinics and lawyers, per country.

Case workers refer victims and record services against organisations of the
register; the directory says which of them offer what, and where, so that the
forms and the API offer the providers of the case's country first.
"""
