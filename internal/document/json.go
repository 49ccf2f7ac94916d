package document

import (
	"encoding/json"
	"time"
)

// ListJSON is an expression: an area's available documents as JSON, newest first, without their
// content, as List reads them (tenantID, reviewID, areaID are placeholders or expressions). Scan it
// into a JSONList.
func ListJSON(tenantID, reviewID, areaID string) string {
	return `(SELECT coalesce(json_agg(json_build_object('ID', d.id, 'ReviewID', d.review_id, 'AreaID', d.area_id,
			'Title', d.title, 'Filename', d.filename, 'ContentType', d.content_type, 'Size', d.size,
			'SHA256', encode(d.sha256, 'base64'), 'UploadedBy', d.uploaded_by, 'Uploader', u.name,
			'UploadedAt', d.uploaded_at) ORDER BY d.uploaded_at DESC, d.id), '[]')
		FROM area_documents d JOIN users u ON u.id = d.uploaded_by
		WHERE d.tenant_id = ` + tenantID + ` AND d.review_id = ` + reviewID + ` AND d.area_id = ` + areaID + `
			AND d.deleted_at IS NULL AND d.scan_status = 'clean')`
}

// JSONList decodes ListJSON: the same documents List returns, times in the local zone as pgx
// reads them.
type JSONList []Document

// UnmarshalJSON decodes the list.
func (l *JSONList) UnmarshalJSON(b []byte) error {
	var list []Document
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	for i := range list {
		list[i].UploadedAt = list[i].UploadedAt.In(time.Local)
	}
	if list == nil {
		list = []Document{}
	}
	*l = list
	return nil
}
