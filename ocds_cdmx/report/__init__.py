"""Results into words: the messages in Spanish and English (:mod:`.messages`), text for people
(:mod:`.text`) and JSON for programs (:mod:`.jsonreport`). Nothing here decides what a problem is."""
