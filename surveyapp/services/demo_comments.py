"""Short customer comments for the demo responses, per survey topic, question and language."""

from __future__ import annotations

# (topic, follow-up question key) -> locale -> comments. The keys are the templates' question
# keys: "improve" and "difficult" follow a low score, "liked" a high one.
COMMENTS: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("support", "improve"): {
        "en": (
            "I had to explain my problem three times to three different people.",
            "Waited 40 minutes on hold before anyone picked up.",
            "The agent was polite but could not actually solve anything.",
            "Nobody called me back although it was promised twice.",
            "Your chat bot kept sending me to the same help article.",
            "Took a week to get a reply to a simple question.",
            "Please give your staff the rights to issue refunds directly.",
        ),
        "de": (
            "Ich musste mein Problem dreimal verschiedenen Leuten erklären.",
            "40 Minuten in der Warteschleife, bevor jemand abgenommen hat.",
            "Der Mitarbeiter war freundlich, konnte mir aber nicht helfen.",
            "Der versprochene Rückruf kam nie, obwohl er zweimal zugesagt wurde.",
            "Der Chatbot hat mich immer wieder auf denselben Hilfeartikel verwiesen.",
            "Eine Woche auf die Antwort zu einer einfachen Frage gewartet.",
            "Bitte erreichbare Ansprechpartner auch am Samstag.",
        ),
    },
    ("support", "liked"): {
        "en": (
            "Quick answer and the problem was fixed on the first call.",
            "Sarah was really patient and explained everything clearly.",
            "Friendly, competent and no waiting time at all.",
            "Great that I could reach someone in the evening.",
            "They followed up by email to check everything worked.",
            "Solved in five minutes, thank you!",
            "Clear instructions, I could do the rest myself.",
        ),
        "de": (
            "Schnelle Antwort, das Problem war beim ersten Anruf gelöst.",
            "Sehr geduldige Beratung, alles wurde verständlich erklärt.",
            "Freundlich, kompetent und ganz ohne Wartezeit.",
            "Super, dass man auch abends noch jemanden erreicht.",
            "Man hat per E-Mail nachgefragt, ob alles funktioniert. Toll!",
            "In fünf Minuten erledigt, vielen Dank!",
            "Klare Anleitung, den Rest konnte ich selbst machen.",
        ),
    },
    ("delivery", "improve"): {
        "en": (
            "The parcel arrived three days later than promised.",
            "The box was damaged and one item was broken.",
            "The driver left the parcel at the door without ringing.",
            "Tracking said delivered, but nothing was there for hours.",
            "An item was missing from the order.",
            "Far too much packaging for such a small item.",
            "I was not at home and the pickup point is miles away.",
        ),
        "de": (
            "Das Paket kam drei Tage später als angekündigt.",
            "Der Karton war beschädigt und ein Teil zerbrochen.",
            "Der Fahrer hat das Paket vor die Tür gestellt, ohne zu klingeln.",
            "Laut Sendungsverfolgung zugestellt, aber stundenlang war nichts da.",
            "Ein Artikel fehlte in der Lieferung.",
            "Viel zu viel Verpackung für so einen kleinen Artikel.",
            "Ich war nicht zu Hause und die Packstation ist weit weg.",
        ),
    },
    ("returns", "difficult"): {
        "en": (
            "I could not print the return label, I don't have a printer.",
            "The refund took more than three weeks.",
            "The returns form asked for an order number I could not find.",
            "I had to pay for the return shipping myself.",
            "Nobody confirmed that my return had arrived.",
            "The return portal kept showing an error.",
            "Too many steps just to send back one shirt.",
        ),
        "de": (
            "Ich konnte das Rücksendeetikett nicht drucken, ich habe keinen Drucker.",
            "Die Erstattung hat mehr als drei Wochen gedauert.",
            "Das Formular wollte eine Bestellnummer, die ich nicht finden konnte.",
            "Die Rücksendung musste ich selbst bezahlen.",
            "Niemand hat bestätigt, dass meine Rücksendung angekommen ist.",
            "Das Retourenportal hat immer wieder einen Fehler angezeigt.",
            "Viel zu viele Schritte, um ein einziges Hemd zurückzuschicken.",
        ),
    },
}
