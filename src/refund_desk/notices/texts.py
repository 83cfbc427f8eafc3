"""The built-in notices to buyers, in the marketplace languages and English, and the sentences they are
made of. Supervisors may replace a notice's wording (a new template version); the sentences that carry
the buyer's rights (how to contest, where to turn out of court) are filled in by the desk and a template
cannot leave them out.

Placeholders are `{name}`; `PLACEHOLDERS` lists what each means.
"""

from __future__ import annotations

from refund_desk.notices.choices import NoticeKind

PLACEHOLDERS: dict[str, str] = {
    "reference": "the return's reference or the order id the buyer knows",
    "amount": "the amount to be refunded, with its currency",
    "requested": "the amount the buyer asked for",
    "paid_by": "the last day the refund will arrive",
    "return_by": "the last day the buyer may send the goods back",
    "how_paid": "how the money is paid (the same method, or a bank transfer)",
    "reasons": "the main reasons, one per line, from the decision and the policy's rules",
    "decided_by": "whether a person or the seller's system decided, and that a person may be asked",
    "contest": "how to contest the decision",
    "adr": "the out-of-court bodies for the buyer's marketplace",
    "seller": "the seller account's name",
    "remedy": "the remedy granted (repair or replacement), in the buyer's words",
    "waybill": "the waybill of the parcel sent back to the buyer, with the carrier",
    "buyer_action": "what the buyer must do for a repair or replacement (send the item by a date, or nothing)",
}

# What a template of each kind must keep: the facts and rights the buyer must be told.
REQUIRED: dict[str, frozenset[str]] = {
    NoticeKind.REFUND: frozenset({"amount", "paid_by"}),
    NoticeKind.AWAIT_RETURN: frozenset({"amount", "return_by"}),
    NoticeKind.PARTIAL_REFUND: frozenset({"amount", "reasons", "decided_by", "contest", "adr"}),
    NoticeKind.REJECTED: frozenset({"reasons", "decided_by", "contest", "adr"}),
    NoticeKind.REMEDY: frozenset({"remedy", "buyer_action"}),
    NoticeKind.REMEDY_SENT: frozenset({"remedy", "waybill"}),
}

TEMPLATES: dict[str, dict[str, str]] = {
    NoticeKind.REFUND: {
        "pl": (
            "Dzień dobry,\n\nTwoja prośba ({reference}) została przyjęta: zwrócimy {amount}. {how_paid} "
            "Pieniądze otrzymasz najpóźniej {paid_by}.\n\nDlaczego:\n{reasons}\n\n{decided_by}\n\n"
            "Pozdrawiamy\n{seller}"
        ),
        "cs": (
            "Dobrý den,\n\nvaší žádosti ({reference}) jsme vyhověli: vrátíme {amount}. {how_paid} "
            "Peníze obdržíte nejpozději {paid_by}.\n\nProč:\n{reasons}\n\n{decided_by}\n\n"
            "S pozdravem\n{seller}"
        ),
        "sk": (
            "Dobrý deň,\n\nvašej žiadosti ({reference}) sme vyhoveli: vrátime {amount}. {how_paid} "
            "Peniaze dostanete najneskôr {paid_by}.\n\nPrečo:\n{reasons}\n\n{decided_by}\n\n"
            "S pozdravom\n{seller}"
        ),
        "hu": (
            "Jó napot!\n\nKérését ({reference}) elfogadtuk: visszatérítünk {amount} összeget. {how_paid} "
            "A pénzt legkésőbb {paid_by} kapja meg.\n\nIndoklás:\n{reasons}\n\n{decided_by}\n\n"
            "Üdvözlettel\n{seller}"
        ),
        "en": (
            "Hello,\n\nyour request ({reference}) is accepted: we refund {amount}. {how_paid} "
            "You will have the money by {paid_by} at the latest.\n\nWhy:\n{reasons}\n\n{decided_by}\n\n"
            "Kind regards\n{seller}"
        ),
    },
    NoticeKind.AWAIT_RETURN: {
        "pl": (
            "Dzień dobry,\n\nTwoja prośba ({reference}) została przyjęta. Zwrócimy {amount}, gdy otrzymamy "
            "odesłany towar albo dowód jego nadania. Odeślij towar najpóźniej {return_by}. {how_paid}\n\n"
            "Dlaczego:\n{reasons}\n\n{decided_by}\n\nPozdrawiamy\n{seller}"
        ),
        "cs": (
            "Dobrý den,\n\nvaší žádosti ({reference}) jsme vyhověli. Vrátíme {amount}, jakmile obdržíme "
            "vrácené zboží nebo doklad o jeho odeslání. Zboží odešlete nejpozději {return_by}. {how_paid}\n\n"
            "Proč:\n{reasons}\n\n{decided_by}\n\nS pozdravem\n{seller}"
        ),
        "sk": (
            "Dobrý deň,\n\nvašej žiadosti ({reference}) sme vyhoveli. Vrátime {amount}, keď dostaneme "
            "vrátený tovar alebo doklad o jeho odoslaní. Tovar odošlite najneskôr {return_by}. {how_paid}\n\n"
            "Prečo:\n{reasons}\n\n{decided_by}\n\nS pozdravom\n{seller}"
        ),
        "hu": (
            "Jó napot!\n\nKérését ({reference}) elfogadtuk. {amount} összeget térítünk vissza, amint "
            "megkapjuk a visszaküldött terméket vagy a feladását igazoló bizonylatot. A terméket legkésőbb "
            "{return_by} küldje vissza. {how_paid}\n\nIndoklás:\n{reasons}\n\n{decided_by}\n\n"
            "Üdvözlettel\n{seller}"
        ),
        "en": (
            "Hello,\n\nyour request ({reference}) is accepted. We refund {amount} once the goods are back "
            "with us or you show us proof that you sent them. Please send the goods back by {return_by}. "
            "{how_paid}\n\nWhy:\n{reasons}\n\n{decided_by}\n\nKind regards\n{seller}"
        ),
    },
    NoticeKind.PARTIAL_REFUND: {
        "pl": (
            "Dzień dobry,\n\nrozpatrzyliśmy Twoją prośbę ({reference}): zwrócimy {amount} z {requested}. "
            "{how_paid} Pieniądze otrzymasz najpóźniej {paid_by}.\n\nNajważniejsze powody:\n{reasons}\n\n"
            "{decided_by}\n\n{contest}\n\n{adr}\n\nPozdrawiamy\n{seller}"
        ),
        "cs": (
            "Dobrý den,\n\nvaši žádost ({reference}) jsme posoudili: vrátíme {amount} z {requested}. "
            "{how_paid} Peníze obdržíte nejpozději {paid_by}.\n\nHlavní důvody:\n{reasons}\n\n"
            "{decided_by}\n\n{contest}\n\n{adr}\n\nS pozdravem\n{seller}"
        ),
        "sk": (
            "Dobrý deň,\n\nvašu žiadosť ({reference}) sme posúdili: vrátime {amount} z {requested}. "
            "{how_paid} Peniaze dostanete najneskôr {paid_by}.\n\nHlavné dôvody:\n{reasons}\n\n"
            "{decided_by}\n\n{contest}\n\n{adr}\n\nS pozdravom\n{seller}"
        ),
        "hu": (
            "Jó napot!\n\nKérését ({reference}) elbíráltuk: {requested} helyett {amount} összeget térítünk "
            "vissza. {how_paid} A pénzt legkésőbb {paid_by} kapja meg.\n\nA legfontosabb okok:\n{reasons}\n\n"
            "{decided_by}\n\n{contest}\n\n{adr}\n\nÜdvözlettel\n{seller}"
        ),
        "en": (
            "Hello,\n\nwe have decided on your request ({reference}): we refund {amount} of {requested}. "
            "{how_paid} You will have the money by {paid_by} at the latest.\n\nThe main reasons:\n{reasons}"
            "\n\n{decided_by}\n\n{contest}\n\n{adr}\n\nKind regards\n{seller}"
        ),
    },
    NoticeKind.REJECTED: {
        "pl": (
            "Dzień dobry,\n\nniestety nie możemy uwzględnić Twojej prośby ({reference}).\n\n"
            "Najważniejsze powody:\n{reasons}\n\n{decided_by}\n\n{contest}\n\n{adr}\n\nPozdrawiamy\n{seller}"
        ),
        "cs": (
            "Dobrý den,\n\nvaší žádosti ({reference}) bohužel nemůžeme vyhovět.\n\n"
            "Hlavní důvody:\n{reasons}\n\n{decided_by}\n\n{contest}\n\n{adr}\n\nS pozdravem\n{seller}"
        ),
        "sk": (
            "Dobrý deň,\n\nvašej žiadosti ({reference}) žiaľ nemôžeme vyhovieť.\n\n"
            "Hlavné dôvody:\n{reasons}\n\n{decided_by}\n\n{contest}\n\n{adr}\n\nS pozdravom\n{seller}"
        ),
        "hu": (
            "Jó napot!\n\nSajnos kérésének ({reference}) nem tudunk helyt adni.\n\n"
            "A legfontosabb okok:\n{reasons}\n\n{decided_by}\n\n{contest}\n\n{adr}\n\nÜdvözlettel\n{seller}"
        ),
        "en": (
            "Hello,\n\nwe are sorry, but we cannot accept your request ({reference}).\n\n"
            "The main reasons:\n{reasons}\n\n{decided_by}\n\n{contest}\n\n{adr}\n\nKind regards\n{seller}"
        ),
    },
}

TEMPLATES[NoticeKind.REMEDY] = {
    "pl": (
        "Dzień dobry,\n\nuznajemy Twoją reklamację ({reference}): {remedy}. {buyer_action}\n\n"
        "Dlaczego:\n{reasons}\n\n{decided_by}\n\nPozdrawiamy\n{seller}"
    ),
    "cs": (
        "Dobrý den,\n\nvaši reklamaci ({reference}) uznáváme: {remedy}. {buyer_action}\n\n"
        "Proč:\n{reasons}\n\n{decided_by}\n\nS pozdravem\n{seller}"
    ),
    "sk": (
        "Dobrý deň,\n\nvašu reklamáciu ({reference}) uznávame: {remedy}. {buyer_action}\n\n"
        "Prečo:\n{reasons}\n\n{decided_by}\n\nS pozdravom\n{seller}"
    ),
    "hu": (
        "Jó napot!\n\nReklamációját ({reference}) elfogadjuk: {remedy}. {buyer_action}\n\n"
        "Indoklás:\n{reasons}\n\n{decided_by}\n\nÜdvözlettel\n{seller}"
    ),
    "en": (
        "Hello,\n\nwe accept your complaint ({reference}): {remedy}. {buyer_action}\n\n"
        "Why:\n{reasons}\n\n{decided_by}\n\nKind regards\n{seller}"
    ),
}
TEMPLATES[NoticeKind.REMEDY_SENT] = {
    "pl": "Dzień dobry,\n\n{remedy} ({reference}): przesyłka jest już w drodze do Ciebie, {waybill}.\n\nPozdrawiamy\n{seller}",
    "cs": "Dobrý den,\n\n{remedy} ({reference}): zásilka je na cestě k vám, {waybill}.\n\nS pozdravem\n{seller}",
    "sk": "Dobrý deň,\n\n{remedy} ({reference}): zásielka je na ceste k vám, {waybill}.\n\nS pozdravom\n{seller}",
    "hu": "Jó napot!\n\n{remedy} ({reference}): a csomag már úton van Önhöz, {waybill}.\n\nÜdvözlettel\n{seller}",
    "en": "Hello,\n\n{remedy} ({reference}): the parcel is on its way to you, {waybill}.\n\nKind regards\n{seller}",
}

# The remedy as the acceptance notice words it, and as the dispatch notice opens with it.
REMEDIES: dict[str, dict[str, str]] = {
    "ACCEPTED_REPAIR": {
        "pl": "naprawimy towar",
        "cs": "zboží opravíme",
        "sk": "tovar opravíme",
        "hu": "a terméket megjavítjuk",
        "en": "we will repair the item",
    },
    "ACCEPTED_EXCHANGE": {
        "pl": "wymienimy towar na nowy",
        "cs": "zboží vyměníme za nové",
        "sk": "tovar vymeníme za nový",
        "hu": "a terméket kicseréljük egy újra",
        "en": "we will replace the item with a new one",
    },
}
REMEDIES_DONE: dict[str, dict[str, str]] = {
    "ACCEPTED_REPAIR": {
        "pl": "Naprawiony towar",
        "cs": "Opravené zboží",
        "sk": "Opravený tovar",
        "hu": "A megjavított termék",
        "en": "The repaired item",
    },
    "ACCEPTED_EXCHANGE": {
        "pl": "Nowy towar na wymianę",
        "cs": "Nové zboží na výměnu",
        "sk": "Nový tovar na výmenu",
        "hu": "Az új cseretermék",
        "en": "The replacement item",
    },
}
# What the buyer must do for a repair or replacement: send the item (by when), or nothing.
SEND_ITEM_BY: dict[str, str] = {
    "pl": "Odeślij nam reklamowany towar najpóźniej {date}; koszt przesyłki pokrywamy my.",
    "cs": "Reklamované zboží nám pošlete nejpozději {date}; náklady na dopravu hradíme my.",
    "sk": "Reklamovaný tovar nám pošlite najneskôr {date}; náklady na dopravu hradíme my.",
    "hu": "A reklamált terméket legkésőbb {date} küldje vissza nekünk; a szállítás költségét mi álljuk.",
    "en": "Please send the item to us by {date}; we pay for the shipping.",
}
KEEP_ITEM: dict[str, str] = {
    "pl": "Nie musisz odsyłać reklamowanego towaru.",
    "cs": "Reklamované zboží nemusíte posílat zpět.",
    "sk": "Reklamovaný tovar nemusíte posielať späť.",
    "hu": "A reklamált terméket nem kell visszaküldenie.",
    "en": "You do not need to send the item back.",
}
WAYBILL: dict[str, str] = {
    "pl": "numer przesyłki {waybill} ({carrier})",
    "cs": "číslo zásilky {waybill} ({carrier})",
    "sk": "číslo zásielky {waybill} ({carrier})",
    "hu": "a csomag száma {waybill} ({carrier})",
    "en": "waybill {waybill} ({carrier})",
}
PRICE_REDUCTION: dict[str, str] = {
    "pl": "Obniżamy cenę o uzgodnioną kwotę zamiast naprawy lub wymiany.",
    "cs": "Místo opravy nebo výměny snižujeme cenu o dohodnutou částku.",
    "sk": "Namiesto opravy alebo výmeny znižujeme cenu o dohodnutú sumu.",
    "hu": "Javítás vagy csere helyett a megállapodott összeggel csökkentjük a vételárat.",
    "en": "Instead of a repair or replacement, we reduce the price by the agreed amount.",
}

DECIDED_AUTOMATICALLY: dict[str, str] = {
    "pl": (
        "Tę decyzję podjął automatycznie system sprzedawcy według opisanych zasad. Jeśli chcesz, by sprawdziła "
        "ją osoba z naszego zespołu, odpowiedz na tę wiadomość."
    ),
    "cs": (
        "Toto rozhodnutí učinil automaticky systém prodejce podle uvedených pravidel. Pokud chcete, aby ho "
        "posoudil člověk z našeho týmu, odpovězte na tuto zprávu."
    ),
    "sk": (
        "Toto rozhodnutie urobil automaticky systém predajcu podľa uvedených pravidiel. Ak chcete, aby ho "
        "posúdil človek z nášho tímu, odpovedzte na túto správu."
    ),
    "hu": (
        "Ezt a döntést az eladó rendszere automatikusan hozta a leírt szabályok szerint. Ha szeretné, hogy "
        "csapatunk egyik munkatársa is megvizsgálja, válaszoljon erre az üzenetre."
    ),
    "en": (
        "The seller's system made this decision automatically under the rules above. If you would like a "
        "person from our team to look at it, reply to this message."
    ),
}

DECIDED_BY_PERSON: dict[str, str] = {
    "pl": "Tę decyzję podjęła osoba z naszego zespołu.",
    "cs": "Toto rozhodnutí učinil člověk z našeho týmu.",
    "sk": "Toto rozhodnutie urobil človek z nášho tímu.",
    "hu": "Ezt a döntést csapatunk egyik munkatársa hozta.",
    "en": "A person from our team made this decision.",
}

CONTEST: dict[str, str] = {
    "pl": (
        "Jeśli nie zgadzasz się z decyzją, odpowiedz na tę wiadomość i napisz dlaczego. Twoją sprawę ponownie "
        "rozpatrzy inna osoba niż ta, która podjęła decyzję, i odpowie Ci w ciągu 14 dni."
    ),
    "cs": (
        "Pokud s rozhodnutím nesouhlasíte, odpovězte na tuto zprávu a napište proč. Vaši věc znovu posoudí "
        "jiný člověk než ten, kdo rozhodl, a odpoví vám do 14 dnů."
    ),
    "sk": (
        "Ak s rozhodnutím nesúhlasíte, odpovedzte na túto správu a napíšte prečo. Vašu vec znovu posúdi iný "
        "človek než ten, kto rozhodol, a odpovie vám do 14 dní."
    ),
    "hu": (
        "Ha nem ért egyet a döntéssel, válaszoljon erre az üzenetre, és írja meg, miért. Ügyét egy másik "
        "munkatárs vizsgálja meg újra, nem az, aki döntött, és 14 napon belül válaszol."
    ),
    "en": (
        "If you disagree with the decision, reply to this message and tell us why. A different person from "
        "the one who decided will look at your case again and answer within 14 days."
    ),
}

# Out-of-court bodies by marketplace, in that marketplace's language and in English. A notice in another
# language names them in English.
ADR: dict[str, dict[str, str]] = {
    "allegro-pl": {
        "pl": (
            "Możesz też skorzystać z pozasądowych sposobów rozwiązywania sporów: bezpłatnej pomocy miejskiego "
            "lub powiatowego rzecznika konsumentów albo podmiotów wpisanych do rejestru prowadzonego przez "
            "Prezesa UOKiK (polubowne.uokik.gov.pl)."
        ),
        "en": (
            "You may also turn to out-of-court dispute resolution: the free help of your municipal or district "
            "consumer ombudsman (rzecznik konsumentów), or the bodies registered by the President of UOKiK "
            "(polubowne.uokik.gov.pl)."
        ),
    },
    "allegro-cz": {
        "cs": (
            "Můžete se také obrátit na subjekt mimosoudního řešení spotřebitelských sporů, kterým je Česká "
            "obchodní inspekce (ČOI, adr.coi.cz)."
        ),
        "en": (
            "You may also turn to the out-of-court body for consumer disputes, the Czech Trade Inspection "
            "Authority (Česká obchodní inspekce, ČOI, adr.coi.cz)."
        ),
    },
    "allegro-sk": {
        "sk": (
            "Môžete sa obrátiť aj na subjekt alternatívneho riešenia spotrebiteľských sporov, napríklad na "
            "Slovenskú obchodnú inšpekciu (SOI, www.soi.sk)."
        ),
        "en": (
            "You may also turn to a body for alternative resolution of consumer disputes, such as the Slovak "
            "Trade Inspection (Slovenská obchodná inšpekcia, SOI, www.soi.sk)."
        ),
    },
    "allegro-hu": {
        "hu": (
            "Panaszával a lakóhelye szerint illetékes békéltető testülethez is fordulhat (www.bekeltetes.hu)."
        ),
        "en": (
            "You may also turn to the conciliation board (békéltető testület) of the county where you live "
            "(www.bekeltetes.hu)."
        ),
    },
}

PAID_THE_SAME_WAY: dict[str, str] = {
    "pl": "Pieniądze wrócą tą samą metodą, którą zapłaciłeś.",
    "cs": "Peníze vrátíme stejným způsobem, jakým jste platili.",
    "sk": "Peniaze vrátime rovnakým spôsobom, akým ste platili.",
    "hu": "A pénzt ugyanazon a módon térítjük vissza, ahogyan fizetett.",
    "en": "The money goes back the way you paid.",
}

PAID_BY_TRANSFER: dict[str, str] = {
    "pl": "Pieniądze wyślemy przelewem na konto bankowe podane przy zwrocie.",
    "cs": "Peníze pošleme převodem na bankovní účet uvedený při vrácení.",
    "sk": "Peniaze pošleme prevodom na bankový účet uvedený pri vrátení.",
    "hu": "A pénzt átutalással küldjük a visszaküldéskor megadott bankszámlára.",
    "en": "We send the money by bank transfer to the account you gave with the return.",
}

# What a reason list says when a decision has no rule worth naming.
NO_REASONS: dict[str, str] = {
    "pl": "Spełniasz warunki zwrotu opisane w zasadach sprzedawcy i w przepisach.",
    "cs": "Splňujete podmínky pro vrácení podle pravidel prodejce a zákona.",
    "sk": "Spĺňate podmienky na vrátenie podľa pravidiel predajcu a zákona.",
    "hu": "Megfelel az eladó szabályaiban és a jogszabályokban leírt feltételeknek.",
    "en": "Your request meets the conditions of the seller's rules and the law.",
}

DEDUCTED: dict[str, str] = {
    "pl": "Potrąciliśmy {amount}: {reason}",
    "cs": "Strhli jsme {amount}: {reason}",
    "sk": "Strhli sme {amount}: {reason}",
    "hu": "{amount} összeget levontunk: {reason}",
    "en": "We deducted {amount}: {reason}",
}

# Allegro's rejection codes in the buyer's words (the person's own reason follows them).
CODE_PHRASES: dict[str, dict[str, str]] = {
    "REFUND_REJECTED": {
        "pl": "Zwrot pieniędzy nie przysługuje.",
        "cs": "Na vrácení peněz nemáte nárok.",
        "sk": "Na vrátenie peňazí nemáte nárok.",
        "hu": "A visszatérítés nem jár.",
        "en": "A refund is not due.",
    },
    "NO_RETURN_RIGHT": {
        "pl": "Ten towar nie podlega zwrotowi.",
        "cs": "Toto zboží nelze vrátit.",
        "sk": "Tento tovar nie je možné vrátiť.",
        "hu": "Ez a termék nem küldhető vissza.",
        "en": "This item cannot be returned.",
    },
    "BUSINESS_PURCHASE": {
        "pl": "Zakup był zakupem firmowym, do którego nie stosuje się konsumenckie prawo odstąpienia.",
        "cs": "Šlo o firemní nákup, na který se spotřebitelské právo odstoupit nevztahuje.",
        "sk": "Išlo o firemný nákup, na ktorý sa spotrebiteľské právo odstúpiť nevzťahuje.",
        "hu": "Céges vásárlás volt, amelyre a fogyasztói elállási jog nem vonatkozik.",
        "en": "It was a business purchase, to which the consumer right of withdrawal does not apply.",
    },
    "ITEM_MISMATCH": {
        "pl": "Odesłany towar różni się od zgłoszonego.",
        "cs": "Vrácené zboží se liší od nahlášeného.",
        "sk": "Vrátený tovar sa líši od nahláseného.",
        "hu": "A visszaküldött termék eltér a bejelentettől.",
        "en": "The goods sent back differ from the goods declared.",
    },
    "NEW_ITEM_SENT": {
        "pl": "Wysłaliśmy Ci nowy towar zamiast zwrotu pieniędzy.",
        "cs": "Místo vrácení peněz jsme vám poslali nové zboží.",
        "sk": "Namiesto vrátenia peňazí sme vám poslali nový tovar.",
        "hu": "A visszatérítés helyett új terméket küldtünk.",
        "en": "We sent you a new item instead of a refund.",
    },
    "ITEM_FIXED": {
        "pl": "Towar został naprawiony.",
        "cs": "Zboží bylo opraveno.",
        "sk": "Tovar bol opravený.",
        "hu": "A terméket megjavítottuk.",
        "en": "The item was repaired.",
    },
    "MISSING_PART_SENT": {
        "pl": "Wysłaliśmy brakującą część.",
        "cs": "Poslali jsme chybějící díl.",
        "sk": "Poslali sme chýbajúci diel.",
        "hu": "Elküldtük a hiányzó alkatrészt.",
        "en": "We sent the missing part.",
    },
    "REJECTED_PRODUCT_CONFORMS_TO_CONTRACT": {
        "pl": "Towar jest zgodny z umową.",
        "cs": "Zboží odpovídá smlouvě.",
        "sk": "Tovar je v súlade so zmluvou.",
        "hu": "A termék megfelel a szerződésnek.",
        "en": "The item conforms to the contract.",
    },
    "REJECTED_PRODUCT_DAMAGED_BY_USER": {
        "pl": "Uszkodzenie powstało z winy użytkownika.",
        "cs": "Poškození vzniklo vinou uživatele.",
        "sk": "Poškodenie vzniklo vinou používateľa.",
        "hu": "A sérülést a felhasználó okozta.",
        "en": "The damage was caused by the user.",
    },
    "REJECTED_PRODUCT_NOT_RETURNED": {
        "pl": "Towar nie został do nas odesłany.",
        "cs": "Zboží nám nebylo vráceno.",
        "sk": "Tovar nám nebol vrátený.",
        "hu": "A terméket nem küldték vissza hozzánk.",
        "en": "The item was not sent back to us.",
    },
    "REJECTED_ADDITIONAL_REQUIREMENTS_NOT_COMPLETED": {
        "pl": "Nie otrzymaliśmy tego, o co prosiliśmy, by rozpatrzyć reklamację.",
        "cs": "Nedostali jsme to, oč jsme žádali k posouzení reklamace.",
        "sk": "Nedostali sme to, o čo sme žiadali na posúdenie reklamácie.",
        "hu": "Nem kaptuk meg, amit a reklamáció elbírálásához kértünk.",
        "en": "We did not receive what we asked for to decide on the complaint.",
    },
    "REJECTED_MINOR_DEFECT": {
        "pl": "Wada jest nieistotna.",
        "cs": "Vada je nepodstatná.",
        "sk": "Vada je nepodstatná.",
        "hu": "A hiba jelentéktelen.",
        "en": "The defect is minor.",
    },
    "REJECTED_CLAIM_WITHDRAWN_BY_BUYER": {
        "pl": "Reklamacja została przez Ciebie wycofana.",
        "cs": "Reklamaci jste stáhli.",
        "sk": "Reklamáciu ste stiahli.",
        "hu": "A reklamációt visszavonta.",
        "en": "You withdrew the complaint.",
    },
    "REJECTED_OTHER": {
        "pl": "Reklamacja nie może zostać uwzględniona.",
        "cs": "Reklamaci nelze uznat.",
        "sk": "Reklamáciu nie je možné uznať.",
        "hu": "A reklamációnak nem lehet helyt adni.",
        "en": "The complaint cannot be accepted.",
    },
}
