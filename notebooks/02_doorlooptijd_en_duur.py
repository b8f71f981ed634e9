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
# # Dagen tot inzet en duur van de inzet
#
# De casustabel bevat de afgeleide velden zoals `docs/definitions.md` ze definieert:
# `lead_time_days` (start ervaringsdeskundige − start casusverantwoordelijke, negatief weggelaten),
# `expert_duration_days` (alleen afgesloten casussen). Het rapport gebruikt het gemiddelde over
# afgesloten casussen; hieronder staat daarnaast de Kaplan-Meier-schatting, die lopende casussen
# meetelt als gecensureerd op de peildatum.

# %%

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from pipeline import load
from pipeline.params import load_params

params = load_params()
cases = load.cases()
analysed = cases[cases["analysed"]].copy()

# %%
analysed.groupby("team")["lead_time_days"].agg(["count", "mean", "median", "min", "max"])

# %%
analysed.groupby("start_year")["lead_time_days"].agg(["count", "mean", "median", "min", "max"])

# %% [markdown]
# ## Kaplan-Meier: duur van de inzet van de ervaringsdeskundige
# Gebeurtenis = afgesloten vóór de peildatum; lopende casussen zijn gecensureerd op de peildatum.

# %%
peil = pd.Timestamp(params.peildatum)
observed = analysed[analysed["expert_start"].notna()].copy()
end = observed["expert_end"].where(observed["closed"], peil)
observed["days"] = (end - observed["expert_start"]).dt.days
observed = observed[observed["days"] >= 0]
fig, ax = plt.subplots(figsize=(7, 4))
for target, group in observed.groupby("target"):
    data = stats.CensoredData.right_censored(group["days"].to_numpy(float), (~group["closed"]).to_numpy())
    km = stats.ecdf(data)
    km.sf.plot(ax, label=f"{target} (n={len(group)})")
ax.set_xlabel("Dagen sinds start ervaringsdeskundige")
ax.set_ylabel("Aandeel nog lopend")
ax.legend()
plt.show()

# %%
closed = observed[observed["closed"]]
print("Gemiddelde duur, alleen afgesloten casussen:", round(closed["expert_duration_days"].mean(), 1))
data = stats.CensoredData.right_censored(observed["days"].to_numpy(float), (~observed["closed"]).to_numpy())
sf = stats.ecdf(data).sf
below = np.flatnonzero(sf.probabilities <= 0.5)
print("Kaplan-Meier-mediaan:", sf.quantiles[below[0]] if len(below) else "niet bereikt")
