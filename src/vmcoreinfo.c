/* vmcoreinfo.c - parse VMCOREINFO text into key/value pairs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "vmcoreinfo.h"

kmd_status vmci_add_line(struct vmcoreinfo *vi, const char *line, size_t len,
			 struct kmd_err *err)
{
	const char *eq = memchr(line, '=', len);
	struct kv *items;
	size_t klen;

	if (!eq || eq == line)
		return KMD_OK;
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	klen = (size_t)(eq - line);
	items = vi->items;
	if ((vi->n & (vi->n - 1)) == 0) { /* grow at powers of two */
		items = realloc(vi->items, (vi->n ? vi->n * 2 : 1) * sizeof(*items));
		if (!items)
			return kmd_err_nomem(err);
		vi->items = items;
	}
	items[vi->n].key = strndup(line, klen);
	items[vi->n].value = strndup(eq + 1, len - klen - 1);
	if (!items[vi->n].key || !items[vi->n].value) {
		free(items[vi->n].key);
		free(items[vi->n].value);
		return kmd_err_nomem(err);
	}
	vi->n++;
	return KMD_OK;
}

kmd_status vmci_parse(struct vmcoreinfo *vi, const char *text,
		      struct kmd_err *err)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		kmd_status s = vmci_add_line(vi, p, len, err);
		if (s)
			return s;
		if (!nl)
			break;
		p = nl + 1;
	}
	return KMD_OK;
}

void vmci_free(struct vmcoreinfo *vi)
{
	for (size_t i = 0; i < vi->n; i++) {
		free(vi->items[i].key);
		free(vi->items[i].value);
	}
	free(vi->items);
	vi->items = NULL;
	vi->n = 0;
}

const char *vmci_get(const struct vmcoreinfo *vi, const char *key)
{
	for (size_t i = vi->n; i-- > 0;)
		if (strcmp(vi->items[i].key, key) == 0)
			return vi->items[i].value;
	return NULL;
}

bool vmci_hex(const struct vmcoreinfo *vi, const char *key, uint64_t *out)
{
	const char *v = vmci_get(vi, key);
	char *end;

	if (!v || !*v)
		return false;
	errno = 0;
	*out = strtoull(v, &end, 16);
	return errno == 0 && *end == '\0';
}

bool vmci_num(const struct vmcoreinfo *vi, const char *key, int64_t *out)
{
	const char *v = vmci_get(vi, key);
	char *end;

	if (!v || !*v)
		return false;
	errno = 0;
	if (v[0] == '-') {
		*out = strtoll(v, &end, 0);
	} else {
		/* Unsigned values above INT64_MAX (sme_mask) wrap. */
		*out = (int64_t)strtoull(v, &end, 0);
	}
	return errno == 0 && *end == '\0';
}
