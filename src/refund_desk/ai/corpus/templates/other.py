"""Comments in languages the classifier does not support; they teach the language identifier "unknown"."""

from __future__ import annotations

OTHER_LANGUAGE_SENTENCES: dict[str, list[str]] = {
    "de": [
        "Das Produkt ist kaputt angekommen, ich möchte mein Geld zurück.",
        "Die Größe passt nicht, bitte Rückerstattung.",
        "Der Artikel entspricht nicht der Beschreibung.",
        "Ich habe das falsche Modell bekommen.",
        "Lieferung hat drei Wochen gedauert, brauche es nicht mehr.",
        "Gefällt mir nicht, schicke es zurück.",
        "Das ist eine Fälschung und kein Original.",
        "Funktioniert nicht, sofort nach dem Auspacken defekt.",
    ],
    "fr": [
        "Le produit est arrivé cassé, je veux être remboursé.",
        "La taille ne convient pas, merci de me rembourser.",
        "L'article ne correspond pas à la description.",
        "J'ai reçu le mauvais modèle.",
        "La livraison a pris trois semaines, je n'en ai plus besoin.",
        "Ça ne me plaît pas, je le renvoie.",
        "C'est une contrefaçon, pas un original.",
        "Ne fonctionne pas dès la sortie de la boîte.",
    ],
    "es": [
        "El producto llegó roto, quiero mi dinero.",
        "La talla no es correcta, solicito el reembolso.",
        "El artículo no coincide con la descripción.",
        "Me enviaron el modelo equivocado.",
        "El envío tardó tres semanas, ya no lo necesito.",
        "No me gusta, lo devuelvo.",
        "Es una falsificación, no es original.",
        "No funciona desde el primer día.",
    ],
    "it": [
        "Il prodotto è arrivato rotto, voglio il rimborso.",
        "La taglia non va bene, chiedo il reso.",
        "L'articolo non corrisponde alla descrizione.",
        "Ho ricevuto il modello sbagliato.",
        "La spedizione ci ha messo tre settimane.",
        "Non mi piace, lo restituisco.",
        "È un falso, non è originale.",
        "Non funziona appena tolto dalla scatola.",
    ],
    "ro": [
        "Produsul a ajuns stricat, vreau banii înapoi.",
        "Mărimea nu se potrivește, vă rog rambursare.",
        "Articolul nu corespunde descrierii.",
        "Am primit alt model decât am comandat.",
        "Livrarea a durat trei săptămâni.",
        "Nu îmi place, îl returnez.",
    ],
    "ru": [
        "Товар пришёл сломанный, верните деньги.",
        "Размер не подошёл, прошу возврат.",
        "Это подделка, а не оригинал.",
        "Мне прислали не ту модель, которую я заказывал.",
        "Посылка шла три недели, уже не нужно.",
        "Не нравится, отправляю обратно.",
    ],
    "lt": [
        "Prekė atvyko sugadinta, noriu grąžinti pinigus.",
        "Dydis netinka, prašau grąžinti pinigus.",
        "Gavau ne tą modelį.",
        "Siuntimas truko tris savaites.",
    ],
    "nl": [
        "Het product kwam kapot aan, ik wil mijn geld terug.",
        "De maat past niet, graag terugbetaling.",
        "Ik heb het verkeerde model ontvangen.",
        "Bevalt me niet, ik stuur het terug.",
    ],
}
