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
# # Veiligheidsscores bij start en einde
#
# Drie beoordelaars (cliënt, ervaringsdeskundige, casusverantwoordelijke) geven bij de start en
# bij het einde een score van 0 tot 10 (99 = onbekend, in de schone data leeg). Hier: de scores
# per casus naast elkaar, het gepaarde verschil en een Wilcoxon-toets per beoordelaar.

# %%
import matplotlib.pyplot as plt
import pandas as pd
from scipy import stats

from pipeline import load

clean = load.clean_data()
analysed = clean.cases.loc[clean.cases["analysed"], ["case_id", "team", "target"]]
start = clean.start_forms.merge(analysed, on="case_id")
end = clean.end_forms.merge(analysed, on="case_id")
paired = start.merge(end, on=["case_id", "team", "target"], suffixes=("_start", "_end"))
len(paired)

# %%
rows = []
for rater in ["client", "expert", "professional"]:
    pair = paired[[f"safety_{rater}_start", f"safety_{rater}_end"]].dropna().astype(float)
    diff = pair.iloc[:, 1] - pair.iloc[:, 0]
    test = stats.wilcoxon(diff) if (diff != 0).any() else None
    rows.append(
        {
            "beoordelaar": rater,
            "n": len(pair),
            "start": pair.iloc[:, 0].mean(),
            "einde": pair.iloc[:, 1].mean(),
            "verschil": diff.mean(),
            "p (Wilcoxon)": None if test is None else test.pvalue,
        }
    )
pd.DataFrame(rows)

# %% [markdown]
# ## Per casus: start en einde volgens de cliënt, per doelgroep

# %%
client = paired.dropna(subset=["safety_client_start", "safety_client_end"])
fig, axes = plt.subplots(1, 2, figsize=(8, 4), sharey=True)
for ax, (target, group) in zip(axes, client.groupby("target")):
    for _, row in group.iterrows():
        ax.plot([0, 1], [row["safety_client_start"], row["safety_client_end"]], color="grey", alpha=0.3)
    ax.plot([0, 1], [group["safety_client_start"].mean(), group["safety_client_end"].mean()], color="#D55E00", lw=3)
    ax.set_xticks([0, 1], ["Start", "Einde"])
    ax.set_title(f"{target} (n={len(group)})")
axes[0].set_ylabel("Veiligheid volgens cliënt (0-10)")
plt.show()

# %%
client.assign(verschil=client["safety_client_end"] - client["safety_client_start"]).groupby("team")["verschil"].agg(
    ["count", "mean"]
)
