"""Rule explanations for the buyer, in the marketplace languages (pl, cs, sk, hu) and English.

The engine is pure, so these are plain tables rather than Django translations. Each message is one
sentence addressed to the buyer; parameters are formatted for the language before substitution.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from refund_desk.core.money import Money

# key -> {lang: template}
MESSAGES: dict[str, dict[str, str]] = {
    "order.paid.pass": {
        "en": "The order has been paid, so it can be refunded.",
        "pl": "Zamówienie zostało opłacone, więc można zwrócić pieniądze.",
        "cs": "Objednávka byla zaplacena, takže lze vrátit peníze.",
        "sk": "Objednávka bola zaplatená, takže je možné vrátiť peniaze.",
        "hu": "A rendelést kifizették, így a pénz visszatéríthető.",
    },
    "order.paid.escalate": {
        "en": "The order is not paid yet ({status}), so a person must check what can be refunded.",
        "pl": "Zamówienie nie jest jeszcze opłacone ({status}), więc osoba musi sprawdzić, co można zwrócić.",
        "cs": "Objednávka ještě není zaplacena ({status}), proto musí člověk ověřit, co lze vrátit.",
        "sk": "Objednávka ešte nie je zaplatená ({status}), preto musí človek overiť, čo je možné vrátiť.",
        "hu": "A rendelés még nincs kifizetve ({status}), ezért egy munkatársnak kell ellenőriznie, mi téríthető vissza.",
    },
    "withdrawal.business_purchase.consumer": {
        "en": "You bought as a consumer, so the statutory right of withdrawal applies.",
        "pl": "Kupiłeś jako konsument, więc przysługuje Ci ustawowe prawo odstąpienia od umowy.",
        "cs": "Nakoupili jste jako spotřebitel, proto máte zákonné právo odstoupit od smlouvy.",
        "sk": "Nakúpili ste ako spotrebiteľ, preto máte zákonné právo odstúpiť od zmluvy.",
        "hu": "Fogyasztóként vásárolt, ezért megilleti a törvényes elállási jog.",
    },
    "withdrawal.business_purchase.allowed": {
        "en": "You bought with company invoice data, and the seller also accepts returns of business purchases.",
        "pl": "Kupiłeś na dane firmy, a sprzedawca przyjmuje zwroty także od firm.",
        "cs": "Nakoupili jste na firemní údaje a prodejce přijímá vrácení i od firem.",
        "sk": "Nakúpili ste na firemné údaje a predajca prijíma vrátenie aj od firiem.",
        "hu": "Céges számlaadatokkal vásárolt, és az eladó a céges vásárlások visszaküldését is elfogadja.",
    },
    "withdrawal.business_purchase.escalate": {
        "en": (
            "You bought with company invoice data, so a person will check whether you bought as a sole trader "
            "outside your profession, which keeps the right of withdrawal."
        ),
        "pl": (
            "Kupiłeś na dane firmy, więc osoba sprawdzi, czy był to zakup przedsiębiorcy jednoosobowego "
            "niezwiązany zawodowo z jego działalnością, który zachowuje prawo odstąpienia."
        ),
        "cs": (
            "Nakoupili jste na firemní údaje, proto člověk ověří, zda šlo o nákup podnikatele mimo jeho "
            "profesi, u kterého právo odstoupit zůstává."
        ),
        "sk": (
            "Nakúpili ste na firemné údaje, preto človek overí, či išlo o nákup podnikateľa mimo jeho "
            "profesie, pri ktorom právo odstúpiť zostáva."
        ),
        "hu": (
            "Céges számlaadatokkal vásárolt, ezért egy munkatárs ellenőrzi, hogy egyéni vállalkozóként, "
            "szakmáján kívül vásárolt-e, mert akkor megilleti az elállási jog."
        ),
    },
    "withdrawal.information.informed": {
        "en": "You were informed of your right of withdrawal, so the normal period applies.",
        "pl": "Zostałeś poinformowany o prawie odstąpienia od umowy, więc obowiązuje zwykły termin.",
        "cs": "Byli jste informováni o právu odstoupit od smlouvy, proto platí běžná lhůta.",
        "sk": "Boli ste informovaní o práve odstúpiť od zmluvy, preto platí bežná lehota.",
        "hu": "Tájékoztatták az elállási jogáról, ezért a szokásos határidő érvényes.",
    },
    "withdrawal.information.extended": {
        "en": "You were not informed of your right of withdrawal, so the period is extended by 12 months.",
        "pl": "Nie zostałeś poinformowany o prawie odstąpienia od umowy, więc termin wydłuża się o 12 miesięcy.",
        "cs": "Nebyli jste informováni o právu odstoupit od smlouvy, proto se lhůta prodlužuje o 12 měsíců.",
        "sk": "Neboli ste informovaní o práve odstúpiť od zmluvy, preto sa lehota predlžuje o 12 mesiacov.",
        "hu": "Nem tájékoztatták az elállási jogáról, ezért a határidő 12 hónappal meghosszabbodik.",
    },
    "withdrawal.period.pass": {
        "en": "You sent the withdrawal statement on {statement}, within the withdrawal period that ends on {ends}.",
        "pl": "Oświadczenie o odstąpieniu wysłałeś {statement}, w terminie, który upływa {ends}.",
        "cs": "Oznámení o odstoupení jste odeslali {statement}, ve lhůtě, která končí {ends}.",
        "sk": "Oznámenie o odstúpení ste odoslali {statement}, v lehote, ktorá končí {ends}.",
        "hu": "Az elállási nyilatkozatot {statement} küldte el, az elállási határidőn belül, amely {ends} jár le.",
    },
    "withdrawal.period.pass_lower_bound": {
        "en": (
            "The delivery date is not known, but you sent the statement on {statement}, in time even when "
            "counted from the purchase."
        ),
        "pl": "Data doręczenia nie jest znana, ale oświadczenie wysłałeś {statement}, w terminie nawet licząc od zakupu.",
        "cs": "Datum doručení není známo, ale oznámení jste odeslali {statement}, včas i při počítání od nákupu.",
        "sk": "Dátum doručenia nie je známy, ale oznámenie ste odoslali {statement}, včas aj pri počítaní od nákupu.",
        "hu": "A kézbesítés dátuma nem ismert, de a nyilatkozatot {statement} küldte el, a vásárlástól számítva is időben.",
    },
    "withdrawal.period.reject": {
        "en": "You sent the withdrawal statement on {statement}, after the withdrawal period ended on {ends}.",
        "pl": "Oświadczenie o odstąpieniu wysłałeś {statement}, po upływie terminu, który minął {ends}.",
        "cs": "Oznámení o odstoupení jste odeslali {statement}, až po uplynutí lhůty, která skončila {ends}.",
        "sk": "Oznámenie o odstúpení ste odoslali {statement}, až po uplynutí lehoty, ktorá skončila {ends}.",
        "hu": "Az elállási nyilatkozatot {statement} küldte el, az elállási határidő ({ends}) lejárta után.",
    },
    "withdrawal.period.escalate_defect": {
        "en": (
            "The withdrawal period ended on {ends}, but the reason you gave points to a defect, so a person "
            "will check it as a possible complaint."
        ),
        "pl": (
            "Termin na odstąpienie minął {ends}, ale podany powód wskazuje na wadę, więc osoba sprawdzi "
            "zgłoszenie jako możliwą reklamację."
        ),
        "cs": (
            "Lhůta pro odstoupení skončila {ends}, ale uvedený důvod ukazuje na vadu, proto člověk posoudí "
            "žádost jako možnou reklamaci."
        ),
        "sk": (
            "Lehota na odstúpenie skončila {ends}, ale uvedený dôvod poukazuje na vadu, preto človek posúdi "
            "žiadosť ako možnú reklamáciu."
        ),
        "hu": (
            "Az elállási határidő {ends} lejárt, de a megadott ok hibára utal, ezért egy munkatárs "
            "lehetséges szavatossági igényként vizsgálja meg."
        ),
    },
    "withdrawal.period.escalate_unknown": {
        "en": "The delivery date is not known, so a person will check whether the statement was sent in time.",
        "pl": "Data doręczenia nie jest znana, więc osoba sprawdzi, czy oświadczenie wysłano w terminie.",
        "cs": "Datum doručení není známo, proto člověk ověří, zda bylo oznámení odesláno včas.",
        "sk": "Dátum doručenia nie je známy, preto človek overí, či bolo oznámenie odoslané včas.",
        "hu": "A kézbesítés dátuma nem ismert, ezért egy munkatárs ellenőrzi, hogy a nyilatkozat időben érkezett-e.",
    },
    "withdrawal.restriction.pass": {
        "en": "None of the returned items is excluded from the right of withdrawal.",
        "pl": "Żaden ze zwracanych produktów nie jest wyłączony z prawa odstąpienia od umowy.",
        "cs": "Žádná z vracených položek není vyloučena z práva na odstoupení od smlouvy.",
        "sk": "Žiadna z vrátených položiek nie je vylúčená z práva na odstúpenie od zmluvy.",
        "hu": "A visszaküldött termékek egyike sincs kizárva az elállási jog alól.",
    },
    "withdrawal.restriction.reject": {
        "en": "{item} is excluded from the right of withdrawal: {cause}.",
        "pl": "{item} jest wyłączony z prawa odstąpienia od umowy: {cause}.",
        "cs": "{item} je vyloučen z práva na odstoupení od smlouvy: {cause}.",
        "sk": "{item} je vylúčený z práva na odstúpenie od zmluvy: {cause}.",
        "hu": "{item} ki van zárva az elállási jog alól: {cause}.",
    },
    "withdrawal.restriction.seal_broken": {
        "en": "{item} was unsealed after delivery, so it can no longer be returned: {cause}.",
        "pl": "{item} został rozpieczętowany po dostarczeniu, więc nie można go już zwrócić: {cause}.",
        "cs": "{item} byl po doručení rozbalen z ochranného obalu, proto ho již nelze vrátit: {cause}.",
        "sk": "{item} bol po doručení rozbalený z ochranného obalu, preto ho už nie je možné vrátiť: {cause}.",
        "hu": "{item} zárjegyét a kézbesítés után felbontották, ezért már nem küldhető vissza: {cause}.",
    },
    "withdrawal.restriction.seal_intact": {
        "en": "{item} is still sealed, so it can be returned.",
        "pl": "{item} jest nadal zapieczętowany, więc można go zwrócić.",
        "cs": "{item} je stále zapečetěn, proto ho lze vrátit.",
        "sk": "{item} je stále zapečatený, preto ho je možné vrátiť.",
        "hu": "{item} zárjegye ép, ezért visszaküldhető.",
    },
    "withdrawal.restriction.seal_pending": {
        "en": "{item} can be returned only if its seal is intact, which will be checked when it arrives.",
        "pl": "{item} można zwrócić tylko z nienaruszonym zabezpieczeniem, co zostanie sprawdzone po dostarczeniu.",
        "cs": "{item} lze vrátit jen s neporušenou pečetí, což se ověří po jeho doručení.",
        "sk": "{item} je možné vrátiť len s neporušenou pečaťou, čo sa overí po jeho doručení.",
        "hu": "{item} csak ép zárjeggyel küldhető vissza, ezt a beérkezéskor ellenőrzik.",
    },
    "withdrawal.restriction.seal_inspect": {
        "en": "{item} is back with the seller, and a person will check whether its seal is intact.",
        "pl": "{item} wrócił do sprzedawcy, a osoba sprawdzi, czy zabezpieczenie jest nienaruszone.",
        "cs": "{item} je zpět u prodejce a člověk ověří, zda je pečeť neporušená.",
        "sk": "{item} je späť u predajcu a človek overí, či je pečať neporušená.",
        "hu": "{item} visszaérkezett az eladóhoz, és egy munkatárs ellenőrzi, hogy a zárjegy ép-e.",
    },
    "withdrawal.restriction.waived": {
        "en": "{item} is normally excluded from returns ({cause}), but the seller accepts its return.",
        "pl": "{item} jest zwykle wyłączony ze zwrotów ({cause}), ale sprzedawca przyjmuje jego zwrot.",
        "cs": "{item} je obvykle vyloučen z vrácení ({cause}), ale prodejce jeho vrácení přijímá.",
        "sk": "{item} je zvyčajne vylúčený z vrátenia ({cause}), ale predajca jeho vrátenie prijíma.",
        "hu": "{item} általában nem küldhető vissza ({cause}), de az eladó elfogadja a visszaküldését.",
    },
    "withdrawal.return_shipping.buyer": {
        "en": "You pay the direct cost of sending the goods back.",
        "pl": "Bezpośredni koszt odesłania towaru ponosisz Ty.",
        "cs": "Přímé náklady na vrácení zboží hradíte vy.",
        "sk": "Priame náklady na vrátenie tovaru hradíte vy.",
        "hu": "Az áru visszaküldésének közvetlen költségét Ön viseli.",
    },
    "withdrawal.return_shipping.seller": {
        "en": "The seller pays the cost of sending the goods back.",
        "pl": "Koszt odesłania towaru pokrywa sprzedawca.",
        "cs": "Náklady na vrácení zboží hradí prodejce.",
        "sk": "Náklady na vrátenie tovaru hradí predajca.",
        "hu": "Az áru visszaküldésének költségét az eladó fizeti.",
    },
    "withdrawal.return_shipping.seller_uninformed": {
        "en": "You were not told that you pay for sending the goods back, so the seller pays it.",
        "pl": "Nie poinformowano Cię, że koszt odesłania ponosisz Ty, więc pokrywa go sprzedawca.",
        "cs": "Nebyli jste informováni, že vrácení hradíte vy, proto ho hradí prodejce.",
        "sk": "Neboli ste informovaní, že vrátenie hradíte vy, preto ho hradí predajca.",
        "hu": "Nem tájékoztatták arról, hogy a visszaküldést Ön fizeti, ezért azt az eladó viseli.",
    },
    "refund.items.pass": {
        "en": "The refund covers {count} returned item(s) worth {amount}.",
        "pl": "Zwrot obejmuje {count} zwracanych sztuk o wartości {amount}.",
        "cs": "Vrácení peněz zahrnuje {count} vrácených kusů v hodnotě {amount}.",
        "sk": "Vrátenie peňazí zahŕňa {count} vrátených kusov v hodnote {amount}.",
        "hu": "A visszatérítés {count} visszaküldött darabra terjed ki, {amount} értékben.",
    },
    "refund.items.none": {
        "en": "No returned item can be refunded.",
        "pl": "Żaden ze zwracanych produktów nie podlega zwrotowi pieniędzy.",
        "cs": "Za žádnou z vrácených položek nelze vrátit peníze.",
        "sk": "Za žiadnu z vrátených položiek nie je možné vrátiť peniaze.",
        "hu": "Egyik visszaküldött termék ára sem téríthető vissza.",
    },
    "refund.deductions.applied": {
        "en": "{amount} is deducted for {item} because its value was diminished: {reason}.",
        "pl": "Za {item} potrącono {amount} z powodu zmniejszenia wartości: {reason}.",
        "cs": "Za {item} se strhává {amount} kvůli snížení hodnoty: {reason}.",
        "sk": "Za {item} sa strháva {amount} pre zníženie hodnoty: {reason}.",
        "hu": "{item} után {amount} levonásra kerül értékcsökkenés miatt: {reason}.",
    },
    "refund.deductions.uninformed": {
        "en": "Nothing is deducted for diminished value, because you were not informed of the right of withdrawal.",
        "pl": "Nie potrącono nic za zmniejszenie wartości, bo nie poinformowano Cię o prawie odstąpienia.",
        "cs": "Za snížení hodnoty se nic nestrhává, protože jste nebyli informováni o právu odstoupit.",
        "sk": "Za zníženie hodnoty sa nič nestrháva, pretože ste neboli informovaní o práve odstúpiť.",
        "hu": "Értékcsökkenés miatt nem vonunk le semmit, mert nem tájékoztatták az elállási jogáról.",
    },
    "refund.deductions.policy": {
        "en": "Nothing is deducted for diminished value under the seller's policy.",
        "pl": "Zgodnie z zasadami sprzedawcy nie potrąca się nic za zmniejszenie wartości.",
        "cs": "Podle pravidel prodejce se za snížení hodnoty nic nestrhává.",
        "sk": "Podľa pravidiel predajcu sa za zníženie hodnoty nič nestrháva.",
        "hu": "Az eladó szabályai szerint értékcsökkenés miatt nincs levonás.",
    },
    "refund.deductions.escalate": {
        "en": "The deduction proposed for {item} is more than {percent}% of its price, so a person will confirm it.",
        "pl": "Proponowane potrącenie za {item} przekracza {percent}% ceny, więc osoba je potwierdzi.",
        "cs": "Navržená srážka za {item} přesahuje {percent} % ceny, proto ji potvrdí člověk.",
        "sk": "Navrhovaná zrážka za {item} presahuje {percent} % ceny, preto ju potvrdí človek.",
        "hu": "A(z) {item} után javasolt levonás meghaladja az ár {percent}%-át, ezért egy munkatárs hagyja jóvá.",
    },
    "refund.delivery.full": {
        "en": "You withdrew from the whole order, so the delivery cost of {amount} is refunded.",
        "pl": "Odstąpiłeś od całego zamówienia, więc zwracamy koszt dostawy {amount}.",
        "cs": "Odstoupili jste od celé objednávky, proto vracíme náklady na doručení {amount}.",
        "sk": "Odstúpili ste od celej objednávky, preto vraciame náklady na doručenie {amount}.",
        "hu": "A teljes rendeléstől elállt, ezért a {amount} szállítási költséget visszatérítjük.",
    },
    "refund.delivery.capped": {
        "en": "You withdrew from the whole order, so delivery is refunded up to the cheapest standard delivery, {amount}.",
        "pl": "Odstąpiłeś od całego zamówienia, więc zwracamy koszt dostawy do wysokości najtańszej zwykłej dostawy, {amount}.",
        "cs": "Odstoupili jste od celé objednávky, proto vracíme doručení do výše nejlevnějšího běžného doručení, {amount}.",
        "sk": "Odstúpili ste od celej objednávky, preto vraciame doručenie do výšky najlacnejšieho bežného doručenia, {amount}.",
        "hu": "A teljes rendeléstől elállt, ezért a szállítást a legolcsóbb normál szállítás összegéig térítjük vissza: {amount}.",
    },
    "refund.delivery.partial": {
        "en": "You withdrew from part of the order only, so the delivery cost is not refunded.",
        "pl": "Odstąpiłeś tylko od części zamówienia, więc koszt dostawy nie jest zwracany.",
        "cs": "Odstoupili jste jen od části objednávky, proto se náklady na doručení nevracejí.",
        "sk": "Odstúpili ste len od časti objednávky, preto sa náklady na doručenie nevracajú.",
        "hu": "Csak a rendelés egy részétől állt el, ezért a szállítási költséget nem térítjük vissza.",
    },
    "refund.delivery.partial_policy": {
        "en": "You withdrew from part of the order, but the seller refunds the delivery cost anyway: {amount}.",
        "pl": "Odstąpiłeś od części zamówienia, ale sprzedawca i tak zwraca koszt dostawy: {amount}.",
        "cs": "Odstoupili jste od části objednávky, ale prodejce přesto vrací náklady na doručení: {amount}.",
        "sk": "Odstúpili ste od časti objednávky, ale predajca napriek tomu vracia náklady na doručenie: {amount}.",
        "hu": "A rendelés egy részétől állt el, de az eladó így is visszatéríti a szállítási költséget: {amount}.",
    },
    "refund.delivery.smart": {
        "en": "Delivery was free with Allegro Smart!, so there is no delivery cost to refund.",
        "pl": "Dostawa była darmowa w ramach Allegro Smart!, więc nie ma kosztu dostawy do zwrotu.",
        "cs": "Doručení bylo zdarma díky Allegro Smart!, proto není co vracet za doručení.",
        "sk": "Doručenie bolo zadarmo vďaka Allegro Smart!, preto nie je čo vracať za doručenie.",
        "hu": "A szállítás az Allegro Smart! keretében ingyenes volt, így nincs visszatérítendő szállítási költség.",
    },
    "refund.delivery.none": {
        "en": "You paid nothing for delivery, so there is no delivery cost to refund.",
        "pl": "Za dostawę nic nie zapłaciłeś, więc nie ma kosztu dostawy do zwrotu.",
        "cs": "Za doručení jste nic neplatili, proto není co vracet.",
        "sk": "Za doručenie ste nič neplatili, preto nie je čo vracať.",
        "hu": "A szállításért nem fizetett, így nincs visszatérítendő szállítási költség.",
    },
    "refund.delivery.complaint": {
        "en": "Delivery costs of a complaint are settled by a person if you ask for them.",
        "pl": "Koszty dostawy przy reklamacji rozlicza osoba, jeśli o nie wystąpisz.",
        "cs": "Náklady na doručení u reklamace vyřeší člověk, pokud o ně požádáte.",
        "sk": "Náklady na doručenie pri reklamácii vybaví človek, ak o ne požiadate.",
        "hu": "A panasszal kapcsolatos szállítási költségeket kérésre egy munkatárs rendezi.",
    },
    "refund.timing.goods_back": {
        "en": "The goods are back with the seller, so the refund is due now.",
        "pl": "Towar wrócił do sprzedawcy, więc zwrot pieniędzy należy się teraz.",
        "cs": "Zboží je zpět u prodejce, proto je vrácení peněz splatné nyní.",
        "sk": "Tovar je späť u predajcu, preto je vrátenie peňazí splatné teraz.",
        "hu": "Az áru visszaérkezett az eladóhoz, ezért a visszatérítés most esedékes.",
    },
    "refund.timing.dispatch_proven": {
        "en": "You have proved that the goods were sent back, so the refund is due now.",
        "pl": "Udowodniłeś odesłanie towaru, więc zwrot pieniędzy należy się teraz.",
        "cs": "Prokázali jste odeslání zboží zpět, proto je vrácení peněz splatné nyní.",
        "sk": "Preukázali ste odoslanie tovaru späť, preto je vrátenie peňazí splatné teraz.",
        "hu": "Igazolta az áru visszaküldését, ezért a visszatérítés most esedékes.",
    },
    "refund.timing.parcel_registered": {
        "en": "Your return parcel is registered, and the seller refunds as soon as it is sent.",
        "pl": "Twoja paczka zwrotna jest zarejestrowana, a sprzedawca zwraca pieniądze od razu po nadaniu.",
        "cs": "Vaše zpětná zásilka je zaregistrována a prodejce vrací peníze hned po odeslání.",
        "sk": "Vaša spätná zásielka je zaregistrovaná a predajca vracia peniaze hneď po odoslaní.",
        "hu": "A visszaküldő csomagját regisztrálták, és az eladó a feladáskor azonnal visszatérít.",
    },
    "refund.timing.immediately": {
        "en": "The seller refunds without waiting for the goods to come back.",
        "pl": "Sprzedawca zwraca pieniądze bez czekania na zwrot towaru.",
        "cs": "Prodejce vrací peníze, aniž by čekal na vrácení zboží.",
        "sk": "Predajca vracia peniaze bez čakania na vrátenie tovaru.",
        "hu": "Az eladó az áru visszaérkezése előtt visszatéríti a pénzt.",
    },
    "refund.timing.await": {
        "en": "The refund is paid once the goods are back or you prove you sent them, whichever comes first.",
        "pl": "Pieniądze zostaną zwrócone po otrzymaniu towaru lub dowodu jego odesłania, zależnie od tego, co nastąpi wcześniej.",
        "cs": "Peníze budou vráceny po obdržení zboží nebo dokladu o jeho odeslání, podle toho, co nastane dříve.",
        "sk": "Peniaze budú vrátené po doručení tovaru alebo dokladu o jeho odoslaní, podľa toho, čo nastane skôr.",
        "hu": "A visszatérítés az áru visszaérkezésekor vagy a feladás igazolásakor történik, amelyik előbb bekövetkezik.",
    },
    "refund.deadline.withdrawal": {
        "en": "The refund is due by {date}, 14 days after the seller received your withdrawal statement.",
        "pl": "Zwrot pieniędzy należy się do {date}, 14 dni od otrzymania przez sprzedawcę Twojego oświadczenia.",
        "cs": "Peníze musí být vráceny do {date}, 14 dní od doručení vašeho oznámení prodejci.",
        "sk": "Peniaze musia byť vrátené do {date}, 14 dní od doručenia vášho oznámenia predajcovi.",
        "hu": "A visszatérítés határideje {date}, 14 nappal azután, hogy az eladó megkapta a nyilatkozatát.",
    },
    "refund.deadline.complaint": {
        "en": "The refund for the accepted complaint is due by {date}.",
        "pl": "Zwrot pieniędzy za uznaną reklamację należy się do {date}.",
        "cs": "Peníze za uznanou reklamaci musí být vráceny do {date}.",
        "sk": "Peniaze za uznanú reklamáciu musia byť vrátené do {date}.",
        "hu": "Az elfogadott panasz visszatérítésének határideje {date}.",
    },
    "refund.method.original": {
        "en": "The money goes back to the payment method you used.",
        "pl": "Pieniądze wrócą tą samą metodą płatności, której użyłeś.",
        "cs": "Peníze se vrátí stejnou platební metodou, kterou jste použili.",
        "sk": "Peniaze sa vrátia rovnakou platobnou metódou, ktorú ste použili.",
        "hu": "A pénz ugyanarra a fizetési módra érkezik vissza, amelyet használt.",
    },
    "refund.method.bank_account": {
        "en": "You paid on delivery, so the money goes to the bank account you gave in the return.",
        "pl": "Zapłaciłeś przy odbiorze, więc pieniądze trafią na konto bankowe podane w zwrocie.",
        "cs": "Platili jste na dobírku, proto peníze půjdou na bankovní účet uvedený ve vrácení.",
        "sk": "Platili ste na dobierku, preto peniaze pôjdu na bankový účet uvedený vo vrátení.",
        "hu": "Utánvéttel fizetett, ezért a pénzt a visszaküldéskor megadott bankszámlára utaljuk.",
    },
    "automation.amount_limit.pass": {
        "en": "The amount is within the seller's limit for automatic approval.",
        "pl": "Kwota mieści się w limicie automatycznej akceptacji sprzedawcy.",
        "cs": "Částka je v limitu prodejce pro automatické schválení.",
        "sk": "Suma je v limite predajcu na automatické schválenie.",
        "hu": "Az összeg az eladó automatikus jóváhagyási korlátján belül van.",
    },
    "automation.amount_limit.escalate": {
        "en": "The amount {amount} is above the limit for automatic approval ({limit}), so a person will confirm it.",
        "pl": "Kwota {amount} przekracza limit automatycznej akceptacji ({limit}), więc osoba ją potwierdzi.",
        "cs": "Částka {amount} přesahuje limit pro automatické schválení ({limit}), proto ji potvrdí člověk.",
        "sk": "Suma {amount} presahuje limit na automatické schválenie ({limit}), preto ju potvrdí človek.",
        "hu": "A(z) {amount} összeg meghaladja az automatikus jóváhagyás korlátját ({limit}), ezért egy munkatárs hagyja jóvá.",
    },
    "automation.buyer_frequency.pass": {
        "en": "The number of your recent requests is within the seller's limit for automatic approval.",
        "pl": "Liczba Twoich ostatnich zgłoszeń mieści się w limicie automatycznej akceptacji.",
        "cs": "Počet vašich nedávných žádostí je v limitu pro automatické schválení.",
        "sk": "Počet vašich nedávnych žiadostí je v limite na automatické schválenie.",
        "hu": "A legutóbbi kérelmei száma az automatikus jóváhagyás korlátján belül van.",
    },
    "automation.buyer_frequency.escalate": {
        "en": "You opened {count} requests in the last 30 days, above the limit for automatic approval, so a person will confirm it.",
        "pl": "W ciągu ostatnich 30 dni złożyłeś {count} zgłoszeń, ponad limit automatycznej akceptacji, więc osoba je potwierdzi.",
        "cs": "Za posledních 30 dní jste podali {count} žádostí, nad limit automatického schválení, proto ji potvrdí člověk.",
        "sk": "Za posledných 30 dní ste podali {count} žiadostí, nad limit automatického schválenia, preto ju potvrdí človek.",
        "hu": "Az elmúlt 30 napban {count} kérelmet nyújtott be, ami meghaladja az automatikus jóváhagyás korlátját, ezért egy munkatárs hagyja jóvá.",
    },
    "cancellation.type.buyer": {
        "en": "You cancelled the order before it was sent, so everything you paid is refunded.",
        "pl": "Anulowałeś zamówienie przed wysyłką, więc zwracamy wszystko, co zapłaciłeś.",
        "cs": "Objednávku jste zrušili před odesláním, proto vracíme vše, co jste zaplatili.",
        "sk": "Objednávku ste zrušili pred odoslaním, preto vraciame všetko, čo ste zaplatili.",
        "hu": "A rendelést a feladás előtt lemondta, ezért mindent visszatérítünk, amit fizetett.",
    },
    "cancellation.type.auto": {
        "en": "Allegro cancelled the order, so everything you paid is refunded.",
        "pl": "Allegro anulowało zamówienie, więc zwracamy wszystko, co zapłaciłeś.",
        "cs": "Allegro objednávku zrušilo, proto vracíme vše, co jste zaplatili.",
        "sk": "Allegro objednávku zrušilo, preto vraciame všetko, čo ste zaplatili.",
        "hu": "Az Allegro lemondta a rendelést, ezért mindent visszatérítünk, amit fizetett.",
    },
    "refund.delivery.cancellation": {
        "en": "Nothing was delivered, so the delivery cost of {amount} is refunded too.",
        "pl": "Nic nie zostało dostarczone, więc zwracamy także koszt dostawy {amount}.",
        "cs": "Nic nebylo doručeno, proto vracíme i náklady na doručení {amount}.",
        "sk": "Nič nebolo doručené, preto vraciame aj náklady na doručenie {amount}.",
        "hu": "Semmit nem szállítottunk ki, ezért a {amount} szállítási költséget is visszatérítjük.",
    },
    "refund.deadline.cancellation": {
        "en": "The refund is due by {date}, 14 days after the order was cancelled.",
        "pl": "Zwrot pieniędzy należy się do {date}, 14 dni od anulowania zamówienia.",
        "cs": "Peníze musí být vráceny do {date}, 14 dní od zrušení objednávky.",
        "sk": "Peniaze musia byť vrátené do {date}, 14 dní od zrušenia objednávky.",
        "hu": "A visszatérítés határideje {date}, 14 nappal a rendelés lemondása után.",
    },
    "complaint.type.claim": {
        "en": "This is a formal complaint about the goods.",
        "pl": "To jest formalna reklamacja towaru.",
        "cs": "Jde o formální reklamaci zboží.",
        "sk": "Ide o formálnu reklamáciu tovaru.",
        "hu": "Ez egy hivatalos panasz (szavatossági igény) az áruval kapcsolatban.",
    },
    "complaint.type.dispute": {
        "en": "This is a discussion about the order rather than a formal complaint, so a person handles it.",
        "pl": "To dyskusja o zamówieniu, a nie formalna reklamacja, więc zajmie się nią osoba.",
        "cs": "Jde o diskusi k objednávce, nikoli o formální reklamaci, proto ji vyřídí člověk.",
        "sk": "Ide o diskusiu k objednávke, nie o formálnu reklamáciu, preto ju vybaví človek.",
        "hu": "Ez egy egyeztetés a rendelésről, nem hivatalos panasz, ezért egy munkatárs foglalkozik vele.",
    },
    "issue.dispute.info": {
        "en": "There is also an open discussion about this order, which a person follows.",
        "pl": "Trwa też dyskusja dotycząca tego zamówienia, którą prowadzi osoba.",
        "cs": "K této objednávce probíhá i diskuse, kterou sleduje člověk.",
        "sk": "K tejto objednávke prebieha aj diskusia, ktorú sleduje človek.",
        "hu": "A rendeléssel kapcsolatban egyeztetés is folyik, amelyet egy munkatárs követ.",
    },
    "complaint.deadline.pending": {
        "en": "The seller must answer your complaint by {date}, and a person decides on it.",
        "pl": "Sprzedawca musi odpowiedzieć na reklamację do {date}, a decyzję podejmie osoba.",
        "cs": "Prodejce musí na reklamaci odpovědět do {date} a rozhodne o ní člověk.",
        "sk": "Predajca musí na reklamáciu odpovedať do {date} a rozhodne o nej človek.",
        "hu": "Az eladónak {date} napig kell válaszolnia a panaszra, és egy munkatárs dönt róla.",
    },
    "complaint.deadline.answered": {
        "en": "The seller had to answer your complaint by {date}.",
        "pl": "Sprzedawca miał odpowiedzieć na reklamację do {date}.",
        "cs": "Prodejce měl na reklamaci odpovědět do {date}.",
        "sk": "Predajca mal na reklamáciu odpovedať do {date}.",
        "hu": "Az eladónak {date} napig kellett válaszolnia a panaszra.",
    },
    "complaint.deadline.deemed_accepted": {
        "en": "The seller did not answer your complaint by {date}, so under Polish law it is deemed accepted.",
        "pl": "Sprzedawca nie odpowiedział na reklamację do {date}, więc zgodnie z prawem uznaje się ją za przyjętą.",
        "cs": "Prodejce na reklamaci neodpověděl do {date}, proto se podle polského práva považuje za uznanou.",
        "sk": "Predajca na reklamáciu neodpovedal do {date}, preto sa podľa poľského práva považuje za uznanú.",
        "hu": "Az eladó {date} napig nem válaszolt a panaszra, ezért a lengyel jog szerint elfogadottnak minősül.",
    },
    "complaint.deadline.overdue": {
        "en": "The answer to your complaint was due by {date}, so a person handles it with priority.",
        "pl": "Odpowiedź na reklamację należała się do {date}, więc osoba zajmie się nią priorytetowo.",
        "cs": "Odpověď na reklamaci měla přijít do {date}, proto ji člověk vyřídí přednostně.",
        "sk": "Odpoveď na reklamáciu mala prísť do {date}, preto ju človek vybaví prednostne.",
        "hu": "A panaszra {date} napig kellett volna válaszolni, ezért egy munkatárs soron kívül foglalkozik vele.",
    },
    "complaint.status.accepted": {
        "en": "The seller has accepted your complaint.",
        "pl": "Sprzedawca uznał Twoją reklamację.",
        "cs": "Prodejce vaši reklamaci uznal.",
        "sk": "Predajca vašu reklamáciu uznal.",
        "hu": "Az eladó elfogadta a panaszát.",
    },
    "complaint.status.rejected": {
        "en": "The seller has rejected your complaint.",
        "pl": "Sprzedawca odrzucił Twoją reklamację.",
        "cs": "Prodejce vaši reklamaci zamítl.",
        "sk": "Predajca vašu reklamáciu zamietol.",
        "hu": "Az eladó elutasította a panaszát.",
    },
    "complaint.status.open": {
        "en": "Your complaint is waiting for the seller's answer.",
        "pl": "Twoja reklamacja czeka na odpowiedź sprzedawcy.",
        "cs": "Vaše reklamace čeká na odpověď prodejce.",
        "sk": "Vaša reklamácia čaká na odpoveď predajcu.",
        "hu": "A panasza az eladó válaszára vár.",
    },
    "complaint.expectation.refund": {
        "en": "You asked for your money back, so the price of {item} is refunded.",
        "pl": "Poprosiłeś o zwrot pieniędzy, więc zwracamy cenę za {item}.",
        "cs": "Požádali jste o vrácení peněz, proto vracíme cenu za {item}.",
        "sk": "Požiadali ste o vrátenie peňazí, preto vraciame cenu za {item}.",
        "hu": "Pénzvisszatérítést kért, ezért visszatérítjük a(z) {item} árát.",
    },
    "complaint.expectation.partial_refund": {
        "en": "You asked for a partial refund of {amount}, which is granted.",
        "pl": "Poprosiłeś o częściowy zwrot {amount}, który zostaje przyznany.",
        "cs": "Požádali jste o částečné vrácení {amount}, které se přiznává.",
        "sk": "Požiadali ste o čiastočné vrátenie {amount}, ktoré sa priznáva.",
        "hu": "{amount} részleges visszatérítést kért, amelyet megadunk.",
    },
    "complaint.expectation.partial_capped": {
        "en": "You asked for a partial refund of {amount}; it is capped at the price you paid, {paid}.",
        "pl": "Poprosiłeś o częściowy zwrot {amount}; ograniczono go do zapłaconej ceny {paid}.",
        "cs": "Požádali jste o částečné vrácení {amount}; je omezeno na zaplacenou cenu {paid}.",
        "sk": "Požiadali ste o čiastočné vrátenie {amount}; je obmedzené na zaplatenú cenu {paid}.",
        "hu": "{amount} részleges visszatérítést kért; ez legfeljebb a kifizetett ár, {paid} lehet.",
    },
    "complaint.expectation.other": {
        "en": "You asked for {expectation}, which a person arranges; no money is refunded automatically.",
        "pl": "Poprosiłeś o: {expectation}, czym zajmie się osoba; pieniądze nie są zwracane automatycznie.",
        "cs": "Požádali jste o: {expectation}, což zajistí člověk; peníze se automaticky nevracejí.",
        "sk": "Požiadali ste o: {expectation}, čo zabezpečí človek; peniaze sa automaticky nevracajú.",
        "hu": "Ezt kérte: {expectation}, amit egy munkatárs intéz; automatikus visszatérítés nincs.",
    },
    "complaint.expectation.missing": {
        "en": "Your complaint does not say what you expect, so a person will ask you.",
        "pl": "Reklamacja nie określa Twojego żądania, więc osoba zapyta Cię o nie.",
        "cs": "Reklamace neuvádí, co požadujete, proto se vás zeptá člověk.",
        "sk": "Reklamácia neuvádza, čo požadujete, preto sa vás opýta človek.",
        "hu": "A panasz nem tartalmazza, mit kér, ezért egy munkatárs megkérdezi Önt.",
    },
}

CAUSES: dict[str, dict[str, str]] = {
    "SEALED_MEDIA": {
        "en": "sealed audio, video or software unsealed after delivery",
        "pl": "nagrania lub programy w zapieczętowanym opakowaniu otwartym po dostarczeniu",
        "cs": "zapečetěné nahrávky nebo software rozbalené po doručení",
        "sk": "zapečatené nahrávky alebo softvér rozbalené po doručení",
        "hu": "lezárt hang-, videofelvétel vagy szoftver, amelynek zárját a kézbesítés után felbontották",
    },
    "SEALED_ITEM_NO_RETURN_DUE_HEALTH_OR_HYGIENE": {
        "en": "sealed goods that cannot be returned for health or hygiene reasons once unsealed",
        "pl": "towar w zapieczętowanym opakowaniu, którego ze względów zdrowotnych lub higienicznych nie można zwrócić po otwarciu",
        "cs": "zapečetěné zboží, které nelze ze zdravotních nebo hygienických důvodů po rozbalení vrátit",
        "sk": "zapečatený tovar, ktorý nie je možné zo zdravotných alebo hygienických dôvodov po rozbalení vrátiť",
        "hu": "lezárt termék, amely egészségvédelmi vagy higiéniai okból felbontás után nem küldhető vissza",
    },
    "CUSTOM_ITEM": {
        "en": "goods made to your specifications or personalised",
        "pl": "towar wyprodukowany według Twojej specyfikacji lub spersonalizowany",
        "cs": "zboží vyrobené podle vašich požadavků nebo personalizované",
        "sk": "tovar vyrobený podľa vašich požiadaviek alebo personalizovaný",
        "hu": "az Ön kérése szerint készített vagy személyre szabott termék",
    },
    "SHORT_SHELF_LIFE": {
        "en": "goods that spoil quickly or have a short shelf life",
        "pl": "towar szybko psujący się lub o krótkim terminie przydatności",
        "cs": "zboží rychle podléhající zkáze nebo s krátkou trvanlivostí",
        "sk": "tovar rýchlo podliehajúci skaze alebo s krátkou trvanlivosťou",
        "hu": "gyorsan romló vagy rövid szavatosságú termék",
    },
    "INSEPARABLY_LINKED": {
        "en": "goods inseparably mixed with other items after delivery",
        "pl": "towar nierozłącznie połączony z innymi rzeczami po dostarczeniu",
        "cs": "zboží po doručení nenávratně smísené s jinými věcmi",
        "sk": "tovar po doručení neoddeliteľne zmiešaný s inými vecami",
        "hu": "a kézbesítés után más termékkel elválaszthatatlanul összekeveredett termék",
    },
    "PRESS": {
        "en": "newspapers or magazines outside a subscription",
        "pl": "dzienniki lub czasopisma poza prenumeratą",
        "cs": "noviny nebo časopisy mimo předplatné",
        "sk": "noviny alebo časopisy mimo predplatného",
        "hu": "előfizetésen kívüli napilap vagy folyóirat",
    },
    "MEDICINAL_PRODUCT": {
        "en": "medicinal products",
        "pl": "produkty lecznicze",
        "cs": "léčivé přípravky",
        "sk": "lieky",
        "hu": "gyógyszerek",
    },
    "NOT_RECORDED_DIGITAL_CONTENT": {
        "en": "digital content not on a physical medium, once delivery started with your consent",
        "pl": "treści cyfrowe niezapisane na nośniku, po rozpoczęciu świadczenia za Twoją zgodą",
        "cs": "digitální obsah nedodaný na nosiči, po zahájení plnění s vaším souhlasem",
        "sk": "digitálny obsah nedodaný na nosiči, po začatí plnenia s vaším súhlasom",
        "hu": "nem tárgyi adathordozón nyújtott digitális tartalom, az Ön hozzájárulásával megkezdett teljesítés után",
    },
    "VALUE_DEPENDENT_ON_FINANCIAL_MARKET": {
        "en": "goods whose price depends on financial market fluctuations",
        "pl": "towar, którego cena zależy od wahań na rynku finansowym",
        "cs": "zboží, jehož cena závisí na výkyvech finančního trhu",
        "sk": "tovar, ktorého cena závisí od výkyvov na finančnom trhu",
        "hu": "olyan termék, amelynek ára a pénzügyi piac ingadozásától függ",
    },
}

EXPECTATIONS: dict[str, dict[str, str]] = {
    "REPAIR": {"en": "a repair", "pl": "naprawa", "cs": "oprava", "sk": "oprava", "hu": "javítás"},
    "EXCHANGE": {"en": "a replacement", "pl": "wymiana", "cs": "výměna", "sk": "výmena", "hu": "csere"},
}


LANGS = ("en", "pl", "cs", "sk", "hu")
# lang -> key -> template, with English filling any gap; built once so the engine does one lookup.
TEMPLATES: dict[str, dict[str, str]] = {
    lang: {key: table.get(lang) or table["en"] for key, table in MESSAGES.items()} for lang in LANGS
}


def explain(key: str, lang: str, **params: str) -> str:
    template = TEMPLATES.get(lang, TEMPLATES["en"])[key]
    return template.format(**params) if params else template


def cause_label(cause: str, lang: str) -> str:
    labels = CAUSES.get(cause)
    if labels is None:
        return cause
    return labels.get(lang) or labels["en"]


def expectation_label(name: str, lang: str) -> str:
    labels = EXPECTATIONS.get(name)
    if labels is None:
        return name
    return labels.get(lang) or labels["en"]


def format_date(moment: datetime, lang: str) -> str:
    """A deadline's local calendar date (the moment is already in the marketplace's zone)."""
    return _format_day(moment.date(), lang)


@lru_cache(maxsize=4096)
def _format_day(moment: date, lang: str) -> str:
    if lang == "en":
        return moment.strftime("%Y-%m-%d")
    if lang == "hu":
        return moment.strftime("%Y. %m. %d.")
    if lang == "pl":
        return moment.strftime("%d.%m.%Y")
    return f"{moment.day}. {moment.month}. {moment.year}"


def format_money(money: Money, lang: str) -> str:
    amount = money.rounded().amount
    text = f"{amount:.2f}"
    if lang != "en":
        text = text.replace(".", ",")
    return f"{text} {money.currency}"


def format_percent(value: Decimal) -> str:
    return f"{value.normalize():f}"
