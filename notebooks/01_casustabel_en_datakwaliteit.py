# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Kennismaken met de casustabel en de datakwaliteit
#
# Deze notebook laat zien wat de ingest-stap heeft gemaakt: één rij per casus op de casuslijst
# (gepseudonimiseerd), de formuliertabellen, en hoe elke gelezen rij is verantwoord
# (`flow.csv`) en welke waardeproblemen zijn gevonden (`data_quality.csv`).
# De data komen uit `data/clean/` via de kleine publieke API `pipeline.load`; niets wordt hier
# opnieuw opgeschoond. Draai eerst `dvc repro` (of `make report`).

# %%
import pandas as pd

from pipeline import load

clean = load.clean_data()
cases = clean.cases
cases.head()

# %% [markdown]
# ## Status van de casussen op de peildatum
# Elke casus op de lijst is precies één van: geanalyseerd, geen registratie (geen enkel
# formulier), of gestart op/na de peildatum.

# %%
cases["status"].value_counts()

# %%
analysed = cases[cases["analysed"]]
pd.crosstab(analysed["team"], analysed["start_year"], margins=True, margins_name="Totaal")

# %%
pd.crosstab(analysed["target"], analysed["start_year"], margins=True, margins_name="Totaal")

# %% [markdown]
# ## Verantwoording van elke gelezen rij
# Per bestand: `rows_read = kept + excluded + duplicate_row + unknown_case + after_peildatum + second_form`.

# %%
flow = load.flow()
parts = ["kept", "excluded", "duplicate_row", "unknown_case", "after_peildatum", "second_form"]
assert (flow["rows_read"] == flow[parts].sum(axis=1)).all()
flow

# %% [markdown]
# ## Waardeproblemen per regel en per bestand

# %%
dq = load.data_quality()
dq.pivot_table(index="file", columns="rule", values="row", aggfunc="count", fill_value=0)

# %% [markdown]
# ## Formulieren per casus
# Hoeveel formulieren elke geanalyseerde casus heeft; casussen zonder startformulier of
# zonder eindformulier (terwijl ze zijn afgesloten) zijn gaten in de registratie.

# %%
summary = analysed[["n_start_forms", "n_contact_forms", "n_end_forms", "n_interviews"]].describe()
summary

# %%
closed_without_end_form = analysed[analysed["closed"] & (analysed["n_end_forms"] == 0)]
print(f"Afgesloten casussen zonder eindformulier: {len(closed_without_end_form)} van {int(analysed['closed'].sum())}")
