"""Services of CmK evaluation, split by aggregate: questionnaires (versions, responses,
invitations), analysis (regional, per school, researcher CSV), budget, reports (funder
snapshot) and money (Cultuurkaart figures next to the track)."""
