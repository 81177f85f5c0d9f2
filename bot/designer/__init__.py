"""The conversation designers' side of the web app: the review inbox, training, templates."""
