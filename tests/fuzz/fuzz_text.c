/* fuzz_text.c - libFuzzer target: VMCOREINFO text and symbol files. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "syms.h"
#include "vmcoreinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmcoreinfo vi = { 0 };
	struct kmd_err err;
	char *text = malloc(size + 1), path[64];
	struct syms *s;
	int64_t n;
	uint64_t h;
	int fd;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (vmci_parse(&vi, text, &err) == KMD_OK) {
		vmci_hex(&vi, "SYMBOL(_stext)", &h);
		vmci_num(&vi, "NUMBER(phys_base)", &n);
		vmci_get(&vi, "OSRELEASE");
	}
	vmci_free(&vi);
	free(text);

	fd = memfd_create("syms", 0);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (syms_probe_text(data, size) && syms_open_text(&s, path, &err) == KMD_OK) {
		struct syms_enum *e;
		size_t ne;
		const char *name;
		uint64_t off, sz;
		syms_lookup(s, "_stext", &h);
		syms_symbolize(s, 0xffffffff81000010ull, &name, &off, &sz);
		if (syms_enum_list(s, "x", NULL, &e, &ne, &err) == KMD_OK)
			free(e);
		syms_close(s);
	}
	close(fd);
	return 0;
}
