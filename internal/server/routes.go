package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"thematic/internal/apperr"
	"thematic/internal/auth"
	"thematic/web"
)

// routeFunc registers one route with the permission it needs.
type routeFunc func(method, pattern string, p auth.Permission, h handler)

// registrar returns a routeFunc for r, whose routes sit under prefix.
func (s *Server) registrar(r chi.Router, prefix string) routeFunc {
	return func(method, pattern string, p auth.Permission, h handler) {
		full := prefix + pattern
		if prefix != "" && pattern == "/" {
			full = prefix + "/"
		}
		s.perms[method+" "+full] = p
		r.Method(method, pattern, s.need(p, h))
	}
}

// routes is the table of contents of the service: every route and the permission it needs. No
// other file registers a route (TestRoutesAreRegisteredOnlyInTheRouteTable).
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.instrument, s.requestID, s.recoverer, s.accessLog, s.securityHeaders)

	// No session: assets and probes.
	r.Method("GET", "/static/*", web.StaticHandler())
	r.Method("GET", "/assets/*", web.AssetsHandler())
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	// The installable app: its manifest and service worker, from the root (the worker's scope).
	r.Method("GET", "/manifest.webmanifest", web.ManifestHandler())
	r.Method("GET", "/sw.js", web.WorkerHandler())
	if domain, bare := s.baselineHandlers(); domain != nil {
		// The load harness's reference saves, in a -tags loadbase build only (baseline.go).
		r.Method("POST", DomainBaselinePath, domain)
		r.Method("POST", BareBaselinePath, bare)
	}

	// The public API: personal access tokens instead of sessions, no cookies or CSRF, answers in
	// JSON and errors as problem details (api.go); the same permissions as the pages.
	r.Route("/api/v1", func(r chi.Router) {
		r.Use(compress, s.apiLimitBody, s.apiCheckText, s.apiAuth)
		r.NotFound(s.apiNotFound)
		r.MethodNotAllowed(s.apiNotFound)
		route := s.apiRegistrar(r, "/api/v1")
		route("GET", "/openapi.json", auth.Public, s.apiOpenAPI)
		route("GET", "/docs", auth.Public, s.apiDocs)
		route("GET", "/reviews", auth.SignedIn, s.apiReviews)
		r.Route("/reviews/{reviewID}", func(r chi.Router) {
			r.Use(s.loadReview)
			route := s.apiRegistrar(r, "/api/v1/reviews/{reviewID}")
			route("GET", "/", auth.ReviewMember, s.apiReview)
			route("GET", "/areas", auth.ReviewStaff, s.apiAreas)
			route("GET", "/visits", auth.ReviewMember, s.apiVisits)
			route("GET", "/notes", auth.ReviewStaff, s.apiNotes)
			route("POST", "/notes", auth.ReviewRecord, s.apiNoteCreate)
			route("GET", "/findings", auth.ReviewStaff, s.apiFindings)
			route("GET", "/recommendations", auth.ReviewStaff, s.apiRecommendations)
			route("GET", "/coverage", auth.ReviewStaff, s.apiCoverage)
			route("GET", "/report", auth.ReviewStaff, s.apiReport)
		})
	})

	r.Group(func(r chi.Router) {
		r.Use(compress, s.limitBody, s.crossOrigin, s.sessions.LoadAndSave, s.flashes, s.loadActor, s.checkText, s.csrf)
		route := s.registrar(r, "")
		r.NotFound(s.adapt(func(w http.ResponseWriter, r *http.Request) error { return apperr.NotFound("") }))
		r.MethodNotAllowed(s.adapt(func(w http.ResponseWriter, r *http.Request) error { return apperr.NotFound("") }))

		route("GET", "/", auth.SignedIn, s.home)
		route("GET", "/accessibility", auth.Public, s.accessibility)
		route("GET", "/privacy", auth.Public, s.privacy)

		// Signing in and out.
		route("GET", "/sign-in", auth.Public, s.signInForm)
		route("POST", "/sign-in", auth.Public, s.signIn)
		route("GET", "/sign-in/two-factor", auth.Public, s.twoFactorForm)
		route("POST", "/sign-in/two-factor", auth.Public, s.twoFactor)
		route("POST", "/sign-out", auth.Public, s.signOut)
		// Single sign-on through the organisation's OpenID provider (sso.go).
		route("GET", "/sign-in/sso/{slug}", auth.Public, s.ssoStart)
		route("GET", "/sign-in/sso/{slug}/callback", auth.Public, s.ssoCallback)
		route("POST", "/session/extend", auth.SignedIn, s.extendSession)
		route("GET", "/session/csrf", auth.SignedIn, s.sessionCSRF)

		// What the service worker keeps on the device (offline.go).
		route("GET", "/offline", auth.Public, s.offlineShow)
		route("GET", "/offline/plan", auth.SignedIn, s.offlinePlan)
		route("GET", "/password/forgot", auth.Public, s.forgotForm)
		route("POST", "/password/forgot", auth.Public, s.forgot)
		route("GET", "/password/reset/{token}", auth.Public, s.resetForm)
		route("POST", "/password/reset/{token}", auth.Public, s.reset)
		route("GET", "/invitations/{token}", auth.Public, s.invitationForm)
		route("POST", "/invitations/{token}", auth.Public, s.acceptInvitation)

		// The signed-in user's own account.
		route("GET", "/account", auth.SignedIn, s.account)
		route("GET", "/account/password", auth.SignedIn, s.passwordForm)
		route("POST", "/account/password", auth.SignedIn, s.changePassword)
		route("GET", "/account/two-factor", auth.SignedIn, s.twoFactorSetupForm)
		route("POST", "/account/two-factor", auth.SignedIn, s.enableTwoFactor)
		route("POST", "/account/two-factor/disable", auth.SignedIn, s.disableTwoFactor)
		route("POST", "/account/two-factor/recovery-codes", auth.SignedIn, s.newRecoveryCodes)
		route("GET", "/account/organisation", auth.SignedIn, s.organisationForm)
		route("POST", "/account/organisation", auth.SignedIn, s.switchOrganisation)
		// Personal access tokens for the API (apitokens.go).
		route("GET", "/account/tokens", auth.SignedIn, s.tokensPage)
		route("POST", "/account/tokens", auth.SignedIn, s.tokenCreate)
		route("POST", "/account/tokens/{tokenID}/revoke", auth.SignedIn, s.tokenRevoke)

		// Tenant administration.
		route("GET", "/admin/users", auth.ManageTenant, s.adminUsers)
		route("GET", "/admin/users/invite", auth.ManageTenant, s.inviteForm)
		route("POST", "/admin/users/invite", auth.ManageTenant, s.invite)
		route("GET", "/admin/users/{userID}", auth.ManageTenant, s.adminUser)
		route("POST", "/admin/users/{userID}/role", auth.ManageTenant, s.changeRole)
		route("POST", "/admin/users/{userID}/deactivate", auth.ManageTenant, s.deactivateUser)
		route("POST", "/admin/users/{userID}/reactivate", auth.ManageTenant, s.reactivateUser)
		route("POST", "/admin/invitations/{invitationID}/revoke", auth.ManageTenant, s.revokeInvitation)
		route("GET", "/admin/audit", auth.ManageTenant, s.auditLog)
		route("GET", "/admin/settings", auth.ManageTenant, s.settingsForm)
		route("POST", "/admin/settings", auth.ManageTenant, s.saveSettings)
		route("POST", "/admin/settings/retention", auth.ManageTenant, s.saveRetention)
		route("GET", "/admin/single-sign-on", auth.ManageTenant, s.ssoSettingsForm)
		route("POST", "/admin/single-sign-on", auth.ManageTenant, s.saveSSOSettings)
		route("GET", "/admin/subject-access", auth.ManageTenant, s.subjectAccess)
		route("GET", "/admin/subject-access.csv", auth.ManageTenant, s.subjectAccessCSV)

		// Reviews the user belongs to, and setting up a new one.
		route("GET", "/reviews", auth.SignedIn, s.reviewList)
		route("GET", "/reviews/new", auth.CreateReview, s.reviewNewForm)
		route("POST", "/reviews", auth.CreateReview, s.reviewCreate)
		route("GET", "/reviews/import", auth.CreateReview, s.archiveImportForm)
		route("POST", "/reviews/import", auth.CreateReview, s.archiveImport)
		route("GET", "/archive/schema.json", auth.SignedIn, s.archiveSchema)

		// The recommendations register across the tenant's reviews: rows of the published reports
		// of the reviews the user may read (register.List decides); changed by a row's review lead
		// or a tenant admin (register.ChangeStatus decides).
		route("GET", "/register", auth.SignedIn, s.registerPage)
		route("GET", "/register.csv", auth.SignedIn, s.registerExport(false))
		route("GET", "/register.xlsx", auth.SignedIn, s.registerExport(true))
		route("GET", "/register/{recommendationID}", auth.SignedIn, s.registerEntry)
		route("POST", "/register/{recommendationID}/status", auth.SignedIn, s.registerStatus)
		route("POST", "/register/{recommendationID}/responses", auth.SignedIn, s.registerResponse)

		// Across the reviews the user may read (internal/across decides which): a dashboard and a
		// full-text search.
		route("GET", "/dashboard", auth.SignedIn, s.dashboard)
		route("GET", "/search", auth.SignedIn, s.searchAcross)

		// Visits across reviews, and the private calendar feed (fetched by calendar programs,
		// with the token as the credential).
		route("GET", "/visits", auth.SignedIn, s.myVisits)
		route("GET", "/account/calendar", auth.SignedIn, s.calendarPage)
		route("POST", "/account/calendar", auth.SignedIn, s.calendarCreate)
		route("POST", "/account/calendar/revoke", auth.SignedIn, s.calendarRevoke)
		route("GET", "/calendar/{token}", auth.Public, s.calendarFeed)

		// One review. The actor's place in it is loaded first; someone outside the review gets
		// 404 from every route here, and a local authority contact sees only their own area.
		r.Route("/reviews/{reviewID}", func(r chi.Router) {
			r.Use(s.loadReview)
			route := s.registrar(r, "/reviews/{reviewID}")
			route("GET", "/", auth.ReviewMember, s.reviewOverview)
			route("GET", "/edit", auth.ReviewLeadOnly, s.reviewEditForm)
			route("POST", "/edit", auth.ReviewLeadOnly, s.reviewEdit)
			route("POST", "/status", auth.ReviewLeadOnly, s.reviewStatus)
			route("GET", "/status/back", auth.ReviewLeadOnly, s.reviewStatusBack)

			// Lines of enquiry.
			route("GET", "/enquiry", auth.ReviewStaff, s.enquiryPage)
			route("POST", "/enquiry/groups", auth.ReviewLeadOnly, s.enquiryAddGroup)
			route("POST", "/enquiry/groups/{enquiryGroupID}", auth.ReviewLeadOnly, s.enquiryRenameGroup)
			route("POST", "/enquiry/groups/{enquiryGroupID}/move", auth.ReviewLeadOnly, s.enquiryMoveGroup)
			route("POST", "/enquiry/groups/{enquiryGroupID}/delete", auth.ReviewLeadOnly, s.enquiryDeleteGroup)
			route("POST", "/enquiry/lines", auth.ReviewLeadOnly, s.enquiryAddLine)
			route("GET", "/enquiry/lines/{lineID}/edit", auth.ReviewLeadOnly, s.enquiryLineForm)
			route("POST", "/enquiry/lines/{lineID}", auth.ReviewLeadOnly, s.enquiryEditLine)
			route("POST", "/enquiry/lines/{lineID}/move", auth.ReviewLeadOnly, s.enquiryMoveLine)
			route("POST", "/enquiry/lines/{lineID}/delete", auth.ReviewLeadOnly, s.enquiryDeleteLine)

			// The review's lists: sources, roles, inspectorates, team roles, addressees.
			route("GET", "/lists", auth.ReviewStaff, s.vocabLists)
			route("POST", "/lists/{kind}", auth.ReviewLeadOnly, s.vocabAdd)
			route("GET", "/lists/{kind}/{termID}", auth.ReviewLeadOnly, s.vocabTerm)
			route("POST", "/lists/{kind}/{termID}", auth.ReviewLeadOnly, s.vocabUpdate)
			route("POST", "/lists/{kind}/{termID}/move", auth.ReviewLeadOnly, s.vocabMove)
			route("POST", "/lists/{kind}/{termID}/merge", auth.ReviewLeadOnly, s.vocabMerge)
			route("POST", "/lists/{kind}/{termID}/delete", auth.ReviewLeadOnly, s.vocabDelete)

			// The framework: groups of action areas.
			route("GET", "/framework", auth.ReviewStaff, s.frameworkPage)
			route("GET", "/framework/export", auth.ReviewStaff, s.frameworkExport)
			route("GET", "/framework/import", auth.ReviewLeadOnly, s.frameworkImportForm)
			route("POST", "/framework/import", auth.ReviewLeadOnly, s.frameworkImport)
			route("POST", "/framework/groups", auth.ReviewLeadOnly, s.frameworkAddGroup)
			route("POST", "/framework/groups/{groupID}", auth.ReviewLeadOnly, s.frameworkRenameGroup)
			route("POST", "/framework/groups/{groupID}/move", auth.ReviewLeadOnly, s.frameworkMoveGroup)
			route("POST", "/framework/groups/{groupID}/delete", auth.ReviewLeadOnly, s.frameworkDeleteGroup)
			route("POST", "/framework/areas", auth.ReviewLeadOnly, s.frameworkAddArea)
			route("GET", "/framework/areas/{actionAreaID}/edit", auth.ReviewLeadOnly, s.frameworkEditArea)
			route("POST", "/framework/areas/{actionAreaID}", auth.ReviewLeadOnly, s.frameworkUpdateArea)
			route("POST", "/framework/areas/{actionAreaID}/move", auth.ReviewLeadOnly, s.frameworkMoveArea)
			route("POST", "/framework/areas/{actionAreaID}/delete", auth.ReviewLeadOnly, s.frameworkDeleteArea)

			// Local areas taking part.
			route("GET", "/areas", auth.ReviewStaff, s.areasList)
			route("GET", "/areas/add", auth.ReviewLeadOnly, s.areasSearch)
			route("POST", "/areas", auth.ReviewLeadOnly, s.areasAdd)
			route("POST", "/areas/pseudonyms", auth.ReviewLeadOnly, s.areasPseudonyms)
			route("POST", "/areas/pseudonyms/reveal", auth.ReviewLeadOnly, s.areasPseudonymsReveal)
			route("GET", "/areas/{areaID}", auth.ReviewMember, s.areaShow)
			route("POST", "/areas/{areaID}/remove", auth.ReviewLeadOnly, s.areaRemove)

			// People and their roles in the review.
			route("GET", "/people", auth.ReviewStaff, s.peopleList)
			route("GET", "/people/add", auth.ReviewLeadOnly, s.peopleAddForm)
			route("POST", "/people", auth.ReviewLeadOnly, s.peopleAdd)
			route("GET", "/people/{memberID}/edit", auth.ReviewLeadOnly, s.peopleEditForm)
			route("POST", "/people/{memberID}", auth.ReviewLeadOnly, s.peopleUpdate)
			route("POST", "/people/{memberID}/remove", auth.ReviewLeadOnly, s.peopleRemove)
			route("POST", "/people/invites/{inviteID}/remove", auth.ReviewLeadOnly, s.peopleInviteRemove)

			// Evidence notes: recorded from a visit by its leads and inspectors, read by the
			// review's staff, never by local authority contacts.
			route("GET", "/visits/{visitID}/notes/new", auth.ReviewRecord, s.noteNew)
			route("POST", "/visits/{visitID}/notes", auth.ReviewRecord, s.noteCreate)
			route("GET", "/notes/{noteID}", auth.ReviewStaff, s.noteShow)
			route("GET", "/notes/{noteID}/edit", auth.ReviewRecord, s.noteEdit)
			route("POST", "/notes/{noteID}", auth.ReviewRecord, s.noteUpdate)
			route("POST", "/notes/{noteID}/delete", auth.ReviewRecord, s.noteDelete)
			route("GET", "/notes/{noteID}/deleted", auth.ReviewRecord, s.noteDeleted)
			route("POST", "/notes/{noteID}/restore", auth.ReviewRecord, s.noteRestore)
			route("POST", "/notes/{noteID}/erase", auth.ReviewLeadOnly, s.noteErase)
			// A note's photos and files: seen by whoever sees the note (evidence.ReadFile
			// checks the note as noteShow does); removed by its author; chosen by a lead.
			route("GET", "/notes/{noteID}/files/{fileID}", auth.ReviewStaff, s.noteFile(false))
			route("GET", "/notes/{noteID}/files/{fileID}/display", auth.ReviewStaff, s.noteFile(true))
			route("POST", "/notes/{noteID}/files/{fileID}/remove", auth.ReviewRecord, s.noteFileRemove)
			route("POST", "/notes/{noteID}/files/{fileID}/practice", auth.ReviewLeadOnly, s.noteFilePractice)

			// The evidence base: filtered, searched, exported.
			route("GET", "/evidence", auth.ReviewStaff, s.evidenceBase)
			route("GET", "/evidence.csv", auth.ReviewStaff, s.evidenceCSV)

			// Safeguarding concerns and the lock on a review's evidence.
			route("GET", "/safeguarding", auth.ReviewLeadOnly, s.safeguardingList)
			route("POST", "/notes/{noteID}/safeguarding/actions", auth.ReviewRecord, s.safeguardingAction)
			route("POST", "/notes/{noteID}/safeguarding/close", auth.ReviewLeadOnly, s.safeguardingClose)
			route("GET", "/evidence/lock", auth.ReviewLeadOnly, s.evidenceLockPage)
			route("POST", "/evidence/lock", auth.ReviewLeadOnly, s.evidenceLock)
			route("POST", "/evidence/unlock", auth.ReviewLeadOnly, s.evidenceUnlock)

			// Coverage of the framework and the lines of enquiry by the evidence.
			route("GET", "/coverage", auth.ReviewStaff, s.coveragePage)
			route("POST", "/coverage/threshold", auth.ReviewLeadOnly, s.coverageThreshold)

			// Self-assessments: filled in by an area's contact on the web or as a spreadsheet.
			route("GET", "/areas/{areaID}/self-assessment", auth.ReviewMember, s.saStart)
			route("GET", "/areas/{areaID}/self-assessment/question", auth.ReviewMember, s.saQuestion)
			route("POST", "/areas/{areaID}/self-assessment/question", auth.ReviewMember, s.saSave)
			route("GET", "/areas/{areaID}/self-assessment/check", auth.ReviewMember, s.saCheck)
			route("POST", "/areas/{areaID}/self-assessment/submit", auth.ReviewMember, s.saSubmit)
			route("GET", "/areas/{areaID}/self-assessment/submitted", auth.ReviewMember, s.saDone)
			route("POST", "/areas/{areaID}/self-assessment/reopen", auth.ReviewLeadOnly, s.saReopen)

			// The self-assessment template, set by the review's leads.
			route("GET", "/self-assessment", auth.ReviewStaff, s.saLeadPage)
			route("POST", "/self-assessment/elements", auth.ReviewLeadOnly, s.saElementAdd)
			route("POST", "/self-assessment/elements/update", auth.ReviewLeadOnly, s.saElementUpdate)
			route("POST", "/self-assessment/elements/delete", auth.ReviewLeadOnly, s.saElementDelete)
			route("POST", "/self-assessment/elements/move", auth.ReviewLeadOnly, s.saElementMove)
			route("POST", "/self-assessment/levels", auth.ReviewLeadOnly, s.saLevelAdd)
			route("POST", "/self-assessment/levels/update", auth.ReviewLeadOnly, s.saLevelUpdate)
			route("POST", "/self-assessment/levels/delete", auth.ReviewLeadOnly, s.saLevelDelete)
			route("POST", "/self-assessment/levels/move", auth.ReviewLeadOnly, s.saLevelMove)
			route("POST", "/self-assessment/settings", auth.ReviewLeadOnly, s.saSettings)
			route("POST", "/self-assessment/deadlines", auth.ReviewLeadOnly, s.saDeadlines)
			route("GET", "/areas/{areaID}/self-assessment/spreadsheet", auth.ReviewMember, s.saSheetDownload)
			route("GET", "/areas/{areaID}/self-assessment/upload", auth.ReviewMember, s.saSheetUploadForm)
			route("POST", "/areas/{areaID}/self-assessment/upload", auth.ReviewMember, s.saSheetUpload)
			route("POST", "/areas/{areaID}/self-assessment/upload/confirm", auth.ReviewMember, s.saSheetConfirm)

			// Documents an area's contacts upload, and the questionnaire results imported for it.
			route("GET", "/areas/{areaID}/documents", auth.ReviewMember, s.documentList)
			route("GET", "/areas/{areaID}/documents/upload", auth.ReviewMember, s.documentUploadForm)
			route("POST", "/areas/{areaID}/documents", auth.ReviewMember, s.documentUpload)
			route("GET", "/areas/{areaID}/documents/{documentID}", auth.ReviewMember, s.documentDownload)
			route("POST", "/areas/{areaID}/documents/{documentID}/delete", auth.ReviewMember, s.documentDelete)
			route("GET", "/areas/{areaID}/questionnaire", auth.ReviewMember, s.questionnaireShow)
			route("POST", "/areas/{areaID}/questionnaire", auth.ReviewMember, s.questionnaireImport)
			route("GET", "/questionnaires", auth.ReviewStaff, s.questionnaireTotals)

			// Synthesis: findings, good-practice examples, recommendations, and the report.
			route("GET", "/synthesis", auth.ReviewStaff, s.synOverview)
			route("GET", "/synthesis/scale", auth.ReviewStaff, s.synScale)
			route("POST", "/synthesis/scale", auth.ReviewLeadOnly, s.synScaleSave)
			route("GET", "/synthesis/{actionAreaID}", auth.ReviewStaff, s.synWorkspace)
			route("GET", "/synthesis/{actionAreaID}/patterns", auth.ReviewStaff, s.synPatterns)
			route("GET", "/synthesis/{actionAreaID}/findings/new", auth.ReviewLeadOnly, s.findingNew)
			route("POST", "/synthesis/{actionAreaID}/findings", auth.ReviewLeadOnly, s.findingCreate)
			route("GET", "/findings/{findingID}", auth.ReviewStaff, s.findingShow)
			route("GET", "/findings/{findingID}/edit", auth.ReviewLeadOnly, s.findingEdit)
			route("POST", "/findings/{findingID}", auth.ReviewLeadOnly, s.findingUpdate)
			route("POST", "/findings/{findingID}/delete", auth.ReviewLeadOnly, s.findingDelete)
			route("POST", "/findings/{findingID}/move", auth.ReviewLeadOnly, s.findingMove)
			route("POST", "/findings/{findingID}/confirm", auth.ReviewLeadOnly, s.findingConfirm)
			route("POST", "/findings/{findingID}/notes", auth.ReviewLeadOnly, s.findingLink)
			route("POST", "/findings/{findingID}/notes/{noteID}/remove", auth.ReviewLeadOnly, s.findingUnlink)
			// Earlier reviews' published recommendations a finding follows up (the register).
			route("GET", "/findings/{findingID}/follow-ups", auth.ReviewLeadOnly, s.followUpsPage)
			route("POST", "/findings/{findingID}/follow-ups", auth.ReviewLeadOnly, s.followUpLink)
			route("POST", "/findings/{findingID}/follow-ups/{recommendationID}/remove", auth.ReviewLeadOnly, s.followUpUnlink)

			// Consistency between inspectors: a sample double coded blind, its agreement figures,
			// and the lead's moderation. Second coders are checked by the consistency package.
			route("GET", "/consistency", auth.ReviewStaff, s.consistencyShow)
			route("POST", "/consistency/sample", auth.ReviewLeadOnly, s.consistencyDraw)
			route("POST", "/consistency/methodology", auth.ReviewLeadOnly, s.consistencyMethod)
			route("GET", "/consistency/coding", auth.ReviewRecord, s.consistencyCoding)
			route("GET", "/consistency/coding/{noteID}", auth.ReviewRecord, s.consistencyCodeForm)
			route("POST", "/consistency/coding/{noteID}", auth.ReviewRecord, s.consistencyCode)
			route("GET", "/consistency/moderation", auth.ReviewLeadOnly, s.consistencyModeration)
			route("POST", "/consistency/moderation/{noteID}", auth.ReviewLeadOnly, s.consistencyAgree)

			// Good-practice examples and recommendations.
			route("GET", "/examples", auth.ReviewStaff, s.examplesList)
			route("GET", "/examples/new", auth.ReviewLeadOnly, s.exampleNew)
			route("POST", "/examples", auth.ReviewLeadOnly, s.exampleCreate)
			route("GET", "/examples/{exampleID}", auth.ReviewStaff, s.exampleShow)
			route("GET", "/examples/{exampleID}/edit", auth.ReviewLeadOnly, s.exampleEdit)
			route("POST", "/examples/{exampleID}", auth.ReviewLeadOnly, s.exampleUpdate)
			route("POST", "/examples/{exampleID}/delete", auth.ReviewLeadOnly, s.exampleDelete)
			route("POST", "/examples/{exampleID}/move", auth.ReviewLeadOnly, s.exampleMove)

			route("GET", "/recommendations", auth.ReviewStaff, s.recsList)
			route("GET", "/recommendations/new", auth.ReviewLeadOnly, s.recNew)
			route("POST", "/recommendations", auth.ReviewLeadOnly, s.recCreate)
			route("GET", "/recommendations/{recommendationID}/edit", auth.ReviewLeadOnly, s.recEdit)
			route("POST", "/recommendations/{recommendationID}", auth.ReviewLeadOnly, s.recUpdate)
			route("POST", "/recommendations/{recommendationID}/delete", auth.ReviewLeadOnly, s.recDelete)
			route("POST", "/recommendations/{recommendationID}/move", auth.ReviewLeadOnly, s.recMove)

			// The report: sections, versions, checks, sign-off and exports.
			route("GET", "/report", auth.ReviewStaff, s.reportShow)
			route("POST", "/report/status", auth.ReviewLeadOnly, s.reportStatus)
			route("GET", "/report/sections/edit", auth.ReviewLeadOnly, s.reportSectionEdit)
			route("POST", "/report/sections", auth.ReviewLeadOnly, s.reportSectionSave)
			route("GET", "/report/versions", auth.ReviewStaff, s.reportVersions)
			route("POST", "/report/versions", auth.ReviewLeadOnly, s.reportVersionSave)
			route("GET", "/report/versions/{number}", auth.ReviewStaff, s.reportVersion)
			route("GET", "/report/versions/{number}/export/{format}", auth.ReviewStaff, s.reportVersionExport)
			route("GET", "/report/compare", auth.ReviewStaff, s.reportCompare)
			route("GET", "/report/check", auth.ReviewStaff, s.reportCheck)
			route("POST", "/report/check/overrides", auth.ReviewLeadOnly, s.reportOverride)
			route("GET", "/report/trail", auth.ReviewStaff, s.reportTrail)
			route("GET", "/report/export/{format}", auth.ReviewStaff, s.reportExport)

			// The letters to each area: the template, each letter's sections, check, versions,
			// sign-off and exports.
			route("GET", "/letters", auth.ReviewStaff, s.letterList)
			route("POST", "/letters", auth.ReviewLeadOnly, s.letterStart)
			route("GET", "/letters/template", auth.ReviewLeadOnly, s.letterTemplate)
			route("POST", "/letters/template", auth.ReviewLeadOnly, s.letterTemplateSave)
			route("GET", "/letters/{areaID}", auth.ReviewStaff, s.letterShow)
			route("POST", "/letters/{areaID}/status", auth.ReviewLeadOnly, s.letterStatus)
			route("GET", "/letters/{areaID}/sections/edit", auth.ReviewLeadOnly, s.letterSectionEdit)
			route("POST", "/letters/{areaID}/sections", auth.ReviewLeadOnly, s.letterSectionSave)
			route("GET", "/letters/{areaID}/check", auth.ReviewStaff, s.letterCheck)
			route("POST", "/letters/{areaID}/check/overrides", auth.ReviewLeadOnly, s.letterOverride)
			route("GET", "/letters/{areaID}/versions", auth.ReviewStaff, s.letterVersions)
			route("POST", "/letters/{areaID}/versions", auth.ReviewLeadOnly, s.letterVersionSave)
			route("GET", "/letters/{areaID}/versions/{number}", auth.ReviewStaff, s.letterVersion)
			route("GET", "/letters/{areaID}/export/{format}", auth.ReviewStaff, s.letterExport)
			// The factual-accuracy check of a letter: the lead sends and answers, the area's own
			// contacts comment on their area's pages (areaParam), staff read.
			route("GET", "/letters/{areaID}/factcheck", auth.ReviewStaff, s.factCheckShow)
			route("POST", "/letters/{areaID}/factcheck", auth.ReviewLeadOnly, s.factCheckSend)
			route("POST", "/letters/{areaID}/factcheck/answers", auth.ReviewLeadOnly, s.factCheckAnswer)
			route("GET", "/letters/{areaID}/factcheck/export.csv", auth.ReviewStaff, s.factCheckCSV)
			route("GET", "/areas/{areaID}/factcheck", auth.ReviewMember, s.factContactShow)
			route("POST", "/areas/{areaID}/factcheck/comments", auth.ReviewMember, s.factComment)
			route("POST", "/areas/{areaID}/factcheck/finish", auth.ReviewMember, s.factFinish)

			// Review notes raised on the report at quality assurance.
			route("GET", "/report/notes", auth.ReviewStaff, s.rnList)
			route("GET", "/report/notes/new", auth.ReviewLeadOnly, s.rnNew)
			route("POST", "/report/notes", auth.ReviewLeadOnly, s.rnRaise)
			route("GET", "/report/notes/{reviewNoteID}", auth.ReviewStaff, s.rnShow)
			route("POST", "/report/notes/{reviewNoteID}/reply", auth.ReviewLeadOnly, s.rnStep("reply"))
			route("POST", "/report/notes/{reviewNoteID}/address", auth.ReviewLeadOnly, s.rnStep("address"))
			route("POST", "/report/notes/{reviewNoteID}/clear", auth.ReviewLeadOnly, s.rnStep("clear"))
			route("POST", "/report/notes/{reviewNoteID}/reopen", auth.ReviewLeadOnly, s.rnStep("reopen"))

			// The review's archive, and legal hold against the retention schedule.
			route("GET", "/archive", auth.ReviewLeadOnly, s.archiveDownload)
			route("GET", "/legal-hold", auth.ReviewLeadOnly, s.legalHoldForm)
			route("POST", "/legal-hold", auth.ReviewLeadOnly, s.legalHoldSet)
			route("POST", "/legal-hold/lift", auth.ReviewLeadOnly, s.legalHoldLift)

			// Visits, their teams and the fieldwork timeline.
			route("GET", "/visits", auth.ReviewMember, s.visitList)
			route("GET", "/visits/new", auth.ReviewLeadOnly, s.visitNewForm)
			route("POST", "/visits", auth.ReviewLeadOnly, s.visitCreate)
			route("GET", "/visits/timeline", auth.ReviewStaff, s.visitTimeline)
			route("GET", "/visits/{visitID}", auth.ReviewMember, s.visitShow)
			route("GET", "/visits/{visitID}/edit", auth.ReviewLeadOnly, s.visitEditForm)
			route("POST", "/visits/{visitID}", auth.ReviewLeadOnly, s.visitUpdate)
			route("POST", "/visits/{visitID}/delete", auth.ReviewLeadOnly, s.visitDelete)
		})

		if s.cfg.Dev() {
			// Development only: the mail the service would have sent to the tenant's people, for
			// its admins (it holds reset and invitation links).
			route("GET", "/dev/mail", auth.ManageTenant, s.devMail)
		}
	})
	return r
}

// compress gzips the service's pages, JSON and CSV for clients that accept it: a page of the
// evidence base is 180 KB of HTML and about a tenth of that compressed, which matters on a
// visit's mobile connection (and, measured by the load harness, a response that large waited on
// TCP acknowledgements in one request in ten). Files that are compressed already (DOCX, PDF,
// XLSX, images) are left alone. Pages mask their CSRF token afresh each time (csrfToken), so
// compression reveals nothing of it.
var compress = middleware.Compress(5, "text/html", "application/json", "text/csv", "text/calendar",
	"application/xhtml+xml")
