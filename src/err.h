/* err.h - errors as values: set the innermost message, wrap outward. */
#ifndef KMD_ERR_H
#define KMD_ERR_H

#include "kmapdump.h"

#define KMD_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Set ERR to STATUS with a formatted message; returns STATUS. */
kmd_status kmd_err_set(struct kmd_err *err, kmd_status status,
		       const char *fmt, ...) KMD_PRINTF(3, 4);
/* Prepend "context: " to the current message; returns the status. */
kmd_status kmd_err_wrap(struct kmd_err *err, const char *fmt, ...)
	KMD_PRINTF(2, 3);
kmd_status kmd_err_nomem(struct kmd_err *err);
void kmd_err_clear(struct kmd_err *err);

#endif
