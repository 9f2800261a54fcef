/* err.c - error values with a message chain in a fixed buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

const char *kmd_status_str(kmd_status status)
{
	switch (status) {
	case KMD_OK: return "success";
	case KMD_ERR_NOMEM: return "out of memory";
	case KMD_ERR_IO: return "I/O error";
	case KMD_ERR_CORRUPT: return "corrupt input";
	case KMD_ERR_UNSUPPORTED: return "unsupported";
	case KMD_ERR_MISMATCH: return "vmlinux does not match the dump";
	case KMD_ERR_NOTFOUND: return "not found";
	case KMD_ERR_ARG: return "invalid argument";
	}
	return "unknown error";
}

void kmd_err_clear(struct kmd_err *err)
{
	err->status = KMD_OK;
	err->msg[0] = '\0';
}

kmd_status kmd_err_set(struct kmd_err *err, kmd_status status,
		       const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return status;
}

kmd_status kmd_err_wrap(struct kmd_err *err, const char *fmt, ...)
{
	char prefix[sizeof(err->msg)];
	size_t plen, mlen;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	plen = strlen(prefix);
	mlen = strlen(err->msg);
	/* Keep the innermost message whole if the buffer gets tight: drop
	 * the tail of the prefix instead. */
	if (plen + 2 + mlen + 1 > sizeof(err->msg)) {
		if (mlen + 3 >= sizeof(err->msg))
			return err->status;
		plen = sizeof(err->msg) - mlen - 3;
	}
	memmove(err->msg + plen + 2, err->msg, mlen + 1);
	memcpy(err->msg, prefix, plen);
	err->msg[plen] = ':';
	err->msg[plen + 1] = ' ';
	return err->status;
}

kmd_status kmd_err_nomem(struct kmd_err *err)
{
	return kmd_err_set(err, KMD_ERR_NOMEM, "out of memory");
}
