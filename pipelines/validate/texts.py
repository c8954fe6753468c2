"""The Dutch side of `npa validate`'s output: what each check means and what it keeps out.

The English side is the finding's own `detail` (the same text as in marts.dq_findings); the Dutch
line says the rule and its consequence in the words of the person who filled in the file.
"""

from __future__ import annotations

SEVERITY_NL = {"error": "FOUT", "warning": "WAARSCHUWING"}
SEVERITY_EN = {"error": "ERROR", "warning": "WARNING"}

#: per check code: the rule in Dutch (spec checks.md), for the codes a delivered file can raise
RULE_NL = {
    "F1": "het bestand kan niet gelezen worden (geen geldig xlsx-, CSV- of Parquet-bestand, leeg of onleesbare tekencodering)",
    "F2": "verplichte kolommen, tabbladen of velden ontbreken of zijn ongeldig (bijvoorbeeld een onbekende status, "
          "een onleesbare datum of looptijd_van na looptijd_tot)",
    "F3": "bestandsnaam en inhoud spreken elkaar tegen (map-datum tegenover peildatum, bestandsnaam tegenover corporatie)",
    "F4": "extra kolommen of tabbladen worden genegeerd",
    "F5": "dezelfde inhoud is twee keer aangeleverd onder een andere naam",
    "R1": "een waarde is niet te lezen als het type van de kolom (of een verplichte waarde ontbreekt)",
    "R2": "de gemeentecode is onbekend",
    "R4": "de corporatie is onbekend",
    "R5": "een gecodeerde waarde valt buiten de toegestane lijst",
    "R6": "geen energielabel geregistreerd of geen conditiescore gemeten",
    "R7": "het vhe_nummer komt vaker voor in de peildatum van deze corporatie",
    "R8": "hetzelfde bag_vbo_id wordt op dezelfde peildatum door twee corporaties gemeld",
    "R9": "het bouwjaar ligt voor 1800 of na het jaar van de peildatum",
    "R10": "de kale huur is negatief of hoger dan 5.000 per maand",
    "A1": "de gemeentecode van de werkmap is onbekend",
    "A3": "een corporatie in Prestaties is onbekend of staat niet als partij in Afspraak",
    "A4": "de indicator staat niet in de lijst, of de waarde is negatief of geen getal",
    "A5": "het jaar valt buiten de looptijd (looptijd_van tot en met looptijd_tot)",
    "A13": "twee rijen met dezelfde corporatie, hetzelfde jaar en dezelfde indicator; ze worden opgeteld",
    "A14": "de gemeentenaam hoort niet bij de gemeentecode volgens de referentiegegevens",
    "T1": "een rij van het doelenbestand is ongeldig",
}

#: what an error keeps out, by where the finding is (a file, a workbook row, a register row)
CONSEQUENCE_NL = {
    "file": "Het hele bestand wordt niet gebruikt (alsof het niet is aangeleverd).",
    "agreement_row": "Deze prestatieregel telt niet mee.",
    "register_row": "Deze woning telt niet mee in de cijfers.",
    "warning": "De gegevens worden wel gebruikt.",
}

#: the checks no single file can decide: they need the whole data set (spec checks.md)
CROSS_DATA_SET_NOTE_EN = (
    "Not checked here (they need the whole data set, not one delivery): duplicates across files "
    "(F5 against files already delivered, R8 against other corporations' registers), merged "
    "municipalities and corporations (R3, A2, A12), changes between snapshots (R11, R12, R13), and "
    "the comparisons with the register and with other agreements (A6-A11, N1-N4). The nightly run "
    "checks those."
)
CROSS_DATA_SET_NOTE_NL = (
    "Niet gecontroleerd (daarvoor is de hele gegevensverzameling nodig, niet één aanlevering): "
    "dubbele bestanden of woningen over bestanden heen (F5 tegenover eerder aangeleverde bestanden, "
    "R8 tegenover registers van andere corporaties), samengevoegde gemeenten en corporaties (R3, A2, "
    "A12), veranderingen tussen peildata (R11, R12, R13) en de vergelijkingen met het woningregister "
    "en met andere afspraken (A6-A11, N1-N4). De nachtelijke verwerking controleert die wel."
)
