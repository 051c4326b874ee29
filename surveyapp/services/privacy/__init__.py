"""Privacy rights (service layer): a contact's access export and erasure, and retention.

``footprint`` finds every row that holds data about one contact, ``export`` writes it out
for an access request and ``erasure`` removes or pseudonymises it in one transaction.
"""
