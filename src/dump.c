/* dump.c - open a dump file, pick its format, read physical memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "err.h"

static const struct dump_format *const formats[] = {
	&dump_format_elf,
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

bool dump_probe(const uint8_t *head, size_t len)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (formats[i]->probe(head, len))
			return true;
	return false;
}

kmd_status dump_open(struct dump **out, const char *path, struct kmd_err *err)
{
	struct dump *d;
	struct stat st;
	kmd_status s;

	d = calloc(1, sizeof(*d));
	if (!d || !(d->path = strdup(path))) {
		free(d);
		return kmd_err_nomem(err);
	}
	d->fd = -1;
	d->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0) {
		s = kmd_err_set(err, KMD_ERR_IO, "%s: %s", path,
				strerror(errno));
		goto fail;
	}
	if (fstat(d->fd, &st) < 0) {
		s = kmd_err_set(err, KMD_ERR_IO, "%s: %s", path,
				strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		s = kmd_err_set(err, KMD_ERR_IO, "%s: not a regular file",
				path);
		goto fail;
	}
	d->size = (uint64_t)st.st_size;
	if (d->size == 0) {
		s = kmd_err_set(err, KMD_ERR_CORRUPT, "%s: empty file", path);
		goto fail;
	}
	d->map = mmap(NULL, d->size, PROT_READ, MAP_PRIVATE, d->fd, 0);
	if (d->map == MAP_FAILED) {
		d->map = NULL;
		s = kmd_err_set(err, KMD_ERR_IO, "%s: mmap: %s", path,
				strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < NFORMATS; i++) {
		if (formats[i]->probe(d->map, d->size)) {
			d->fmt = formats[i];
			break;
		}
	}
	if (!d->fmt) {
		s = kmd_err_set(err, KMD_ERR_CORRUPT,
				"%s: not a crash dump in a known format", path);
		goto fail;
	}
	s = d->fmt->open(d, err);
	if (s) {
		kmd_err_wrap(err, "%s", path);
		goto fail;
	}
	*out = d;
	return KMD_OK;
fail:
	dump_close(d);
	return s;
}

void dump_close(struct dump *d)
{
	if (!d)
		return;
	if (d->fmt && d->fmt->close)
		d->fmt->close(d);
	if (d->map)
		munmap((void *)d->map, d->size);
	if (d->fd >= 0)
		close(d->fd);
	free(d->vmcoreinfo);
	free(d->cpus);
	free(d->vmaps);
	free(d->path);
	free(d);
}

void dump_locate(struct dump *d, uint64_t pa, struct kmd_loc *loc)
{
	d->fmt->locate(d, pa, loc);
	if (loc->run == 0)
		loc->run = 1;
}

kmd_status dump_read(struct dump *d, uint64_t pa, void *buf, size_t size,
		     struct kmd_err *err)
{
	uint8_t *out = buf;

	while (size) {
		struct kmd_loc loc;
		uint64_t n;

		dump_locate(d, pa, &loc);
		if (loc.fate != KMD_MAPPED)
			return kmd_err_set(err, KMD_ERR_NOTFOUND,
					   "physical address 0x%llx is %s",
					   (unsigned long long)pa,
					   loc.fate == KMD_EXCLUDED ?
						   "excluded from the dump" :
						   "not in the dump");
		n = loc.run < size ? loc.run : size;
		memcpy(out, d->map + loc.offset, n);
		out += n;
		pa += n;
		size -= n;
	}
	return KMD_OK;
}

uint64_t dump_present_bytes(struct dump *d, uint64_t pa, uint64_t size)
{
	uint64_t present = 0;

	while (size) {
		struct kmd_loc loc;
		uint64_t n;

		dump_locate(d, pa, &loc);
		n = loc.run < size ? loc.run : size;
		if (loc.fate == KMD_MAPPED)
			present += n;
		if (pa + n < pa) /* top of the physical space */
			break;
		pa += n;
		size -= n;
	}
	return present;
}

kmd_status dump_add_cpu(struct dump *d, const struct dump_cpu *cpu,
			struct kmd_err *err)
{
	struct dump_cpu *n;

	if (d->ncpus >= 65536)
		return KMD_OK; /* enough; ignore the rest of a hostile list */
	n = realloc(d->cpus, (d->ncpus + 1) * sizeof(*n));
	if (!n)
		return kmd_err_nomem(err);
	d->cpus = n;
	d->cpus[d->ncpus++] = *cpu;
	return KMD_OK;
}

kmd_status dump_set_vmcoreinfo(struct dump *d, const char *text, size_t len,
			       struct kmd_err *err)
{
	char *copy;

	/* The note may carry trailing NULs; stop at the first. */
	const char *nul = memchr(text, '\0', len);
	if (nul)
		len = (size_t)(nul - text);
	copy = malloc(len + 1);
	if (!copy)
		return kmd_err_nomem(err);
	memcpy(copy, text, len);
	copy[len] = '\0';
	free(d->vmcoreinfo);
	d->vmcoreinfo = copy;
	d->vmcoreinfo_len = len;
	return KMD_OK;
}
