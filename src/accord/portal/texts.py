"""The portal's words in English and French (the report's own are in ``accord.reports.texts``)."""

from __future__ import annotations

from accord.reports.texts import LANGS, texts

PAGE_TEXTS: dict[str, tuple[str, str]] = {
    "portal": ("accord — agency portal", "accord — portail des organismes"),
    "skip": ("Skip to content", "Aller au contenu"),
    "nav.home": ("Check and send", "Vérifier et envoyer"),
    "nav.history": ("My submissions", "Mes envois"),
    "nav.mappings": ("Mappings", "Mappings"),
    "nav.contracts": ("Contracts", "Contrats"),
    "nav.api": ("API", "API"),
    "nav.changes": ("Coming changes", "Changements à venir"),
    "nav.identity": ("Identity review", "Examen des identités"),
    "identity_title": ("Identity review: is it the same person?", "Examen des identités : est-ce la même personne ?"),
    "identity_intro": ("Pairs of records of two agencies the model could not decide: each comparison, the level "
                       "the pair fell in and how much it weighed. Your decision is recorded with your name and "
                       "honoured by every later run.",
                       "Paires de fiches de deux organismes que le modèle n'a pas pu trancher : chaque comparaison, "
                       "le niveau atteint et son poids. Votre décision est enregistrée à votre nom et respectée "
                       "par toutes les exécutions suivantes."),
    "identity_none": ("No pair waits for review.", "Aucune paire n'attend d'examen."),
    "identity_probability": ("match probability", "probabilité d'appariement"),
    "identity_prior": ("prior (any two records)", "a priori (deux fiches quelconques)"),
    "identity_field": ("comparison", "comparaison"),
    "identity_level": ("level", "niveau"),
    "identity_weight": ("weight", "poids"),
    "identity_same": ("Same person", "Même personne"),
    "identity_different": ("Different people", "Personnes différentes"),
    "identity_note": ("Why (recorded)", "Pourquoi (enregistré)"),
    "changes_title": ("Coming changes of the contracts you feed",
                      "Changements à venir des contrats que vous alimentez"),
    "changes_intro": ("A new version is first proposed, and its cost to each agency measured on its own archived "
                      "extracts; once published it is produced beside the version you feed until the deadline, "
                      "after which only the new version is produced.",
                      "Une nouvelle version est d'abord proposée, et son coût pour chaque organisme mesuré sur ses "
                      "propres extraits archivés ; une fois publiée, elle est produite à côté de la version que vous "
                      "alimentez jusqu'à la date limite, après laquelle seule la nouvelle version est produite."),
    "changes_agency": ("Agency", "Organisme"),
    "changes_you_feed": ("You feed", "Vous alimentez"),
    "changes_new": ("New version", "Nouvelle version"),
    "changes_deadline": ("Deadline", "Date limite"),
    "changes_what": ("Breaking changes", "Changements incompatibles"),
    "changes_impact": ("Your impact", "Votre impact"),
    "changes_status_proposed": ("proposed", "proposée"),
    "changes_status_active": ("published", "publiée"),
    "changes_impacted": ("{n} of your {total} published records in your latest file would be quarantined.",
                         "{n} de vos {total} enregistrements publiés de votre dernier fichier passeraient en "
                         "quarantaine."),
    "changes_migrated": ("Done: your mapping already feeds version {version}.",
                         "Fait : votre mapping alimente déjà la version {version}."),
    "changes_ended": ("no longer produced since {date}: your files are refused until your mapping feeds the new "
                      "version", "plus produite depuis le {date} : vos fichiers sont refusés tant que votre mapping "
                      "n'alimente pas la nouvelle version"),
    "changes_add_column": ("Add a column for {field} to your file (for example {example}) and map it.",
                           "Ajoutez à votre fichier une colonne pour {field} (par exemple {example}) et associez-la "
                           "dans votre mapping."),
    "changes_add_column_bare": ("Add a column for {field} to your file and map it.",
                                "Ajoutez à votre fichier une colonne pour {field} et associez-la dans votre mapping."),
    "changes_not_impacted": ("Your latest file is not affected.", "Votre dernier fichier n'est pas touché."),
    "changes_not_measured": ("Not measured yet.", "Pas encore mesuré."),
    "changes_none": ("No change is coming for the contracts you feed.",
                     "Aucun changement n'est prévu pour les contrats que vous alimentez."),
    "changes_measure_title": ("Measure a proposed version", "Mesurer une version proposée"),
    "changes_measure": ("Measure its impact", "Mesurer son impact"),
    "changes_no_proposal": ("No contract version is proposed.", "Aucune version de contrat n'est proposée."),
    "changes_trail": ("Audit trail", "Journal d'audit"),
    "changes_when": ("When", "Quand"),
    "changes_who": ("Who", "Qui"),
    "changes_action": ("Action", "Action"),
    "changes_detail": ("Detail", "Détail"),
    "signed_in_as": ("Signed in as", "Connecté en tant que"),
    "operator": ("operator (every agency)", "opérateur (tous les organismes)"),
    "sign_out": ("Sign out", "Se déconnecter"),
    "sign_in": ("Sign in", "Se connecter"),
    "signin_intro": ("Paste the access token your agency received from the accord operators.",
                     "Collez le jeton d'accès que votre organisme a reçu des opérateurs d'accord."),
    "token": ("Access token", "Jeton d'accès"),
    "signin_failed": ("This token is not valid (or has been revoked).",
                      "Ce jeton n'est pas valide (ou a été révoqué)."),
    "rate_limited": ("Too many failed attempts from your address: try again in {s} seconds.",
                     "Trop de tentatives échouées depuis votre adresse : réessayez dans {s} secondes."),
    "check_title": ("Check a file before sending it", "Vérifier un fichier avant de l'envoyer"),
    "check_intro": ("Nothing is sent: you get the report of what would happen to each row.",
                    "Rien n'est envoyé : vous obtenez le rapport de ce qui arriverait à chaque ligne."),
    "send_title": ("Send a file", "Envoyer un fichier"),
    "send_intro": ("The file goes to your landing zone and is processed by the pipeline; you follow it here.",
                   "Le fichier est déposé dans votre zone d'arrivée et traité par la chaîne ; vous le suivez ici."),
    "expected_names": ("File names your mappings read (* stands for any text):",
                       "Noms de fichiers que lisent vos mappings (* remplace n'importe quel texte) :"),
    "suggest_title": ("Draft a mapping from a sample", "Proposer un mapping à partir d'un échantillon"),
    "suggest_intro": ("Upload a sample of a new extract: accord drafts the mapping YAML for you to review.",
                      "Déposez un échantillon d'un nouvel extrait : accord rédige le YAML du mapping, à relire."),
    "agency_field": ("Agency", "Organisme"),
    "contract_field": ("Contract", "Contrat"),
    "contract_auto": ("the one whose mapping reads this file name", "celui dont le mapping lit ce nom de fichier"),
    "file_field": ("File", "Fichier"),
    "check_button": ("Check", "Vérifier"),
    "send_button": ("Send", "Envoyer"),
    "suggest_button": ("Draft the mapping", "Rédiger le mapping"),
    "download_yaml": ("Download the YAML", "Télécharger le YAML"),
    "history_title": ("Submissions", "Envois"),
    "sent_files": ("Files sent from the portal", "Fichiers envoyés depuis le portail"),
    "no_submission": ("No submission yet.", "Aucun envoi pour l'instant."),
    "received_at": ("Received", "Reçu le"),
    "sent_at": ("Sent", "Envoyé le"),
    "status": ("Status", "Statut"),
    "rows": ("Rows", "Lignes"),
    "quarantined": ("set aside", "mises de côté"),
    "submission": ("Submission", "Envoi"),
    "upload_title": ("File sent", "Fichier envoyé"),
    "live": ("This page refreshes itself until the file is done.",
             "Cette page se met à jour seule jusqu'à la fin du traitement."),
    "becomes": ("What the file became, per contract", "Ce que le fichier est devenu, par contrat"),
    "not_picked": ("Not picked up yet: the pipeline looks at the landing zone every few seconds.",
                   "Pas encore pris en charge : la chaîne regarde la zone d'arrivée toutes les quelques secondes."),
    "reason_label": ("Reason", "Raison"),
    "colon": (": ", " : "),
    "bytes": ("bytes", "octets"),
    "set_aside_note": ("{n} rows were set aside: errors.csv says which and why; the others are published.",
                       "{n} lignes ont été mises de côté : errors.csv dit lesquelles et pourquoi ; les autres sont "
                       "publiées."),
    "refused_note": ("0 published — file refused ({reason}): none of its {n} rows is published; send a corrected "
                     "file.",
                     "0 publiées — fichier refusé ({reason}) : aucune de ses {n} lignes n'est publiée ; envoyez un "
                     "fichier corrigé."),
    "errors_csv": ("errors.csv", "errors.csv"),
    "draft_intro": ("A mapping drafted from your sample {sample} onto {contract}: each contract field, the column "
                    "of yours it reads, and what is done to its values.",
                    "Un mapping rédigé à partir de votre échantillon {sample} vers {contract} : chaque champ du "
                    "contrat, la colonne qu'il lit chez vous, et ce qui est fait de ses valeurs."),
    "draft_pattern": ("File names it reads (* stands for any text):", "Noms de fichier lus (* remplace tout texte) :"),
    "draft_todos": ("{n} field(s) to review before use (marked TO DO).",
                    "{n} champ(s) à revoir avant usage (marqués À FAIRE)."),
    "draft_no_todo": ("Nothing to review: every field found its column.",
                      "Rien à revoir : chaque champ a trouvé sa colonne."),
    "draft_table": ("Contract field, your column, transformation", "Champ du contrat, votre colonne, transformation"),
    "draft_field": ("Contract field", "Champ du contrat"),
    "draft_required": ("required", "obligatoire"),
    "draft_column": ("Your column", "Votre colonne"),
    "draft_steps": ("Transformation", "Transformation"),
    "draft_confidence": ("Confidence", "Confiance"),
    "draft_samples": ("Sample values", "Valeurs de l'échantillon"),
    "draft_notes": ("Notes and what to do", "Notes et à faire"),
    "draft_next_title": ("Next steps", "Étapes suivantes"),
    "draft_next_download": ("Download the file:", "Téléchargez le fichier :"),
    "draft_next_review": ("Review each field marked TO DO (your IT department can edit the file: docs/mappings.md "
                          "explains every key).",
                          "Revoyez chaque champ marqué À FAIRE (votre service informatique peut modifier le "
                          "fichier : docs/mappings.md explique chaque clé)."),
    "draft_next_send": ("Send it to the operators, who check it (accord mapping lint) and add it as {path}.",
                        "Envoyez-le aux opérateurs, qui le vérifient (accord mapping lint) et l'ajoutent sous "
                        "{path}."),
    "draft_next_check": ("Then check a file with it on the home page: the report says what still fails.",
                         "Vérifiez ensuite un fichier avec lui sur la page d'accueil : le rapport dit ce qui échoue "
                         "encore."),
    "draft_yaml": ("The file itself (YAML)", "Le fichier lui-même (YAML)"),
    "mappings_title": ("Your mapping files (read-only)", "Vos fichiers de mapping (lecture seule)"),
    "mappings_intro": ("These files say how your columns and codes become the contract's. To change one, send the "
                       "new version to the operators.",
                       "Ces fichiers disent comment vos colonnes et vos codes deviennent ceux du contrat. Pour en "
                       "changer un, envoyez la nouvelle version aux opérateurs."),
    "broken_mapping": ("This agency's mappings do not load:", "Les mappings de cet organisme ne se chargent pas :"),
    "contracts_title": ("The contracts you feed", "Les contrats que vous alimentez"),
    "contract_page": ("Field by field", "Champ par champ"),
    "api_title": ("HTTP API", "API HTTP"),
    "api_intro": ("Every call takes your token: Authorization: Bearer acc_… . The OpenAPI description is at",
                  "Chaque appel prend votre jeton : Authorization: Bearer acc_… . La description OpenAPI est à"),
    "method": ("Method", "Méthode"),
    "path": ("Path", "Chemin"),
    "what": ("What it does", "Ce qu'il fait"),
    "error_title": ("Something is wrong", "Un problème est survenu"),
    "back": ("Back", "Retour"),
    "group_title": ("Rows of a group", "Lignes d'un groupe"),
    "back_to_report": ("Back to the report", "Retour au rapport"),
}


def page_texts(lang: str) -> dict[str, str]:
    index = LANGS.index(lang)
    return {**texts(lang), **{key: pair[index] for key, pair in PAGE_TEXTS.items()}}
