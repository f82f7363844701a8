package console

import (
	"html/template"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/i18n"
)

// Message keys built from values. The catalogue test walks every value of
// each, so that a new type, stage, role or action without a label fails it.
func typeKey(t partner.Type) string        { return "partner.type." + string(t) }
func stageKey(s partner.Stage) string      { return "partner.stage." + string(s) }
func partnerRoleKey(r auth.Role) string    { return "role.partner." + string(r) }
func staffRoleKey(r auth.Role) string      { return "role.staff." + string(r) }
func actionKey(action string) string       { return "audit.action." + action }
func typeOptions(lang i18n.Lang) []option  { return optionsOf(lang, partner.Types, typeKey) }
func stageOptions(lang i18n.Lang) []option { return optionsOf(lang, partner.Stages, stageKey) }
func partnerRoleOptions(lang i18n.Lang) []option {
	return optionsOf(lang, auth.PartnerRoles, partnerRoleKey)
}

func optionsOf[T ~string](lang i18n.Lang, values []T, key func(T) string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		out[i] = option{Value: string(v), Label: i18n.T(lang, key(v))}
	}
	return out
}

// funcs are the template functions, bound to one language.
func funcs(lang i18n.Lang) template.FuncMap {
	return template.FuncMap{
		"t":         func(key string, args ...any) string { return i18n.T(lang, key, args...) },
		"typeName":  func(t partner.Type) string { return i18n.T(lang, typeKey(t)) },
		"stageName": func(s partner.Stage) string { return i18n.T(lang, stageKey(s)) },
		"roleNames": func(u *auth.User) []string {
			key := partnerRoleKey
			if u.IsStaff() {
				key = staffRoleKey
			}
			out := make([]string, len(u.Roles))
			for i, r := range u.Roles {
				out[i] = i18n.T(lang, key(r))
			}
			return out
		},
		"actionName": func(action string) string {
			if i18n.Has(actionKey(action)) {
				return i18n.T(lang, actionKey(action))
			}
			return action
		},
		"datetime": func(t time.Time, loc *time.Location) string { return i18n.DateTime(t, loc) },
		"date":     func(t time.Time, loc *time.Location) string { return i18n.Date(t, loc) },
		"amount":   i18n.Amount,
		"fld":      fld,
	}
}
