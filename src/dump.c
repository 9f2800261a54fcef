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
	&dump_format_kdump,
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

bool dump_probe(const uint8_t *head, size_t len)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (formats[i]->probe(head, len))
			return true;
	return false;
}

kmd_status dump_map_file(struct dump_file *f, const char *path,
			 struct kmd_err *err)
{
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->path = strdup(path);
	if (!f->path)
		return kmd_err_nomem(err);
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return kmd_err_set(err, KMD_ERR_IO, "%s: %s", path,
				   strerror(errno));
	if (fstat(f->fd, &st) < 0)
		return kmd_err_set(err, KMD_ERR_IO, "%s: %s", path,
				   strerror(errno));
	if (!S_ISREG(st.st_mode))
		return kmd_err_set(err, KMD_ERR_IO, "%s: not a regular file",
				   path);
	f->size = (uint64_t)st.st_size;
	if (f->size == 0)
		return kmd_err_set(err, KMD_ERR_CORRUPT, "%s: empty file", path);
	f->map = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, f->fd, 0);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		return kmd_err_set(err, KMD_ERR_IO, "%s: mmap: %s", path,
				   strerror(errno));
	}
	return KMD_OK;
}

void dump_release_mapped(const uint8_t *addr, uint64_t len)
{
	long ps = sysconf(_SC_PAGESIZE);
	uintptr_t a, e;

	if (ps <= 0)
		return;
	a = ((uintptr_t)addr + (uintptr_t)ps - 1) & ~((uintptr_t)ps - 1);
	e = ((uintptr_t)addr + len) & ~((uintptr_t)ps - 1);
	if (e > a)
		madvise((void *)a, e - a, MADV_DONTNEED); /* advice only */
}

void dump_release(const struct dump *d, uint64_t off, uint64_t len)
{
	if (off >= d->size)
		return;
	dump_release_mapped(d->map + off,
			    len < d->size - off ? len : d->size - off);
}

/* utsname machine prefixes and ELF e_machine values, both ways. */
static const struct {
	const char *name;
	unsigned em;
} machines[] = { { "x86_64", 62 }, { "i386", 3 }, { "aarch64", 183 },
		 { "arm", 40 }, { "ppc64", 21 }, { "ppc", 20 }, { "s390", 22 },
		 { "riscv", 243 }, { "mips", 8 }, { "loongarch", 258 } };

unsigned dump_machine_of(const char *uts)
{
	if (uts[0] == 'i' && uts[1] && strcmp(uts + 2, "86") == 0)
		return 3; /* i386 .. i686: EM_386 */
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
		if (strncmp(uts, machines[i].name, strlen(machines[i].name)) == 0)
			return machines[i].em;
	return 0;
}

const char *dump_machine_name(unsigned em)
{
	if (em == 0)
		return "unknown";
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
		if (machines[i].em == em)
			return machines[i].name;
	return "other (ELF machine)";
}

void dump_unmap_file(struct dump_file *f)
{
	if (f->map)
		munmap((void *)f->map, f->size);
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	f->map = NULL;
	f->fd = -1;
	f->path = NULL;
}

kmd_status dump_open(struct dump **out, const char *const *paths,
		     unsigned npaths, struct kmd_err *err)
{
	struct dump_file main;
	struct dump *d;
	kmd_status s;

	d = calloc(1, sizeof(*d));
	if (!d)
		return kmd_err_nomem(err);
	d->fd = -1;
	s = dump_map_file(&main, paths[0], err);
	d->path = main.path;
	d->fd = main.fd;
	d->map = main.map;
	d->size = main.size;
	if (s)
		goto fail;
	for (size_t i = 0; i < NFORMATS; i++) {
		if (formats[i]->probe(d->map, d->size)) {
			d->fmt = formats[i];
			break;
		}
	}
	if (!d->fmt) {
		s = kmd_err_set(err, KMD_ERR_CORRUPT,
				"%s: not a crash dump in a known format",
				paths[0]);
		goto fail;
	}
	if (npaths > 1) {
		if (!d->fmt->multi_file) {
			s = kmd_err_set(err, KMD_ERR_ARG,
					"%s: only split kdump-compressed dumps come in several files",
					paths[1]);
			goto fail;
		}
		d->extra = calloc(npaths - 1, sizeof(*d->extra));
		if (!d->extra) {
			s = kmd_err_nomem(err);
			goto fail;
		}
		for (unsigned i = 1; i < npaths; i++) {
			d->nextra++;
			s = dump_map_file(&d->extra[i - 1], paths[i], err);
			if (s)
				goto fail;
			if (!d->fmt->probe(d->extra[i - 1].map,
					   d->extra[i - 1].size)) {
				s = kmd_err_set(err, KMD_ERR_ARG,
						"%s: not a %s file like %s",
						paths[i], d->fmt->name, paths[0]);
				goto fail;
			}
		}
	}
	d->format_name = d->fmt->name;
	s = d->fmt->open(d, err);
	if (s) {
		/* Name the file, unless the message names one already (a
		 * part of a split set). */
		bool named = strstr(err->msg, d->path) != NULL;
		for (unsigned i = 0; i < d->nextra && !named; i++)
			named = strstr(err->msg, d->extra[i].path) != NULL;
		if (!named)
			kmd_err_wrap(err, "%s", d->path);
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
	struct dump_file main;

	if (!d)
		return;
	if (d->fmt && d->fmt->close)
		d->fmt->close(d);
	for (unsigned i = 0; i < d->nextra; i++)
		dump_unmap_file(&d->extra[i]);
	free(d->extra);
	main.path = d->path;
	main.fd = d->fd;
	main.map = d->map;
	main.size = d->size;
	dump_unmap_file(&main);
	free(d->vmcoreinfo);
	free(d->cpus);
	free(d->vmaps);
	free(d);
}

void dump_locate(struct dump *d, uint64_t pa, struct kmd_loc *loc)
{
	memset(loc, 0, sizeof(*loc));
	loc->path = d->path;
	d->fmt->locate(d, pa, loc);
	if (loc->run == 0)
		loc->run = 1;
}

kmd_status dump_read(struct dump *d, uint64_t pa, void *buf, size_t size,
		     struct kmd_err *err)
{
	uint8_t *out = buf;

	if (d->fmt->read)
		return d->fmt->read(d, pa, buf, size, err);
	/* Uncompressed formats: copy straight from the mapping. */
	while (size) {
		struct kmd_loc loc;
		uint64_t n;

		dump_locate(d, pa, &loc);
		if (loc.fate != KMD_MAPPED)
			return kmd_err_set(err, KMD_ERR_NOTFOUND,
					   "physical address 0x%llx is %s%s%s%s",
					   (unsigned long long)pa,
					   loc.fate == KMD_EXCLUDED ?
						   "excluded from the dump" :
						   "not in the dump",
					   loc.why ? " (" : "",
					   loc.why ? loc.why : "",
					   loc.why ? ")" : "");
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
	n = d->cpus;
	if ((d->ncpus & (d->ncpus - 1)) == 0) { /* grow at powers of two */
		n = realloc(d->cpus, (d->ncpus ? d->ncpus * 2 : 1) * sizeof(*n));
		if (!n)
			return kmd_err_nomem(err);
	}
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
	/* KEY=VALUE lines of ASCII text: anything else is garbage that
	 * would only fail later, and less clearly. */
	if (len == 0)
		return KMD_OK; /* as good as no VMCOREINFO at all */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c >= 0x7f)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "VMCOREINFO is not text (byte 0x%02x at +0x%zx)",
					   c, i);
	}
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
