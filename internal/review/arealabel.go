package review

// AreaLabel is the SQL for how the views where the lead weighs evidence (evidence base, coverage,
// synthesis) name the area ra (a review_areas row) joined to its local authority la: its
// pseudonym ("Area C") while the review shows pseudonyms, else its name. The report, letters,
// visits and the areas' own pages always use the name.
const AreaLabel = `CASE WHEN ra.show_pseudonym THEN ra.pseudonym ELSE la.display_name END`
