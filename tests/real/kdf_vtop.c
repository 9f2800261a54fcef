/* kdf_vtop.c - reference translations of 32-bit x86 kernel addresses with
 * libkdumpfile/libaddrxlat (independent of kmapdump).
 *
 * usage: kdf_vtop [--arch NAME] [--rootpgt PA] VMCORE < ADDRESSES > OUT.jsonl
 *
 * ADDRESSES: one hex address a line.  For every address, libaddrxlat's
 * page-table method (ADDRXLAT_SYS_METH_PGT, set up by libkdumpfile for
 * ostype linux from the dump's VMCOREINFO) walks the kernel page tables
 * step by step; the output line is
 *   {"va":"0x..","status":"mapped","pa":"0x..","page_size":N}
 *   {"va":"0x..","status":"unmapped"}         (a non-present entry)
 *   {"va":"0x..","status":"error","note":".."} (anything else, e.g. a page
 *                                               table not in the dump)
 * The page size is that of the level whose entry ended the walk.
 *
 * --arch: set arch.name before opening (QEMU writes i386 guests' kdump
 *   files with the emulator's machine name, e.g. x86_64).
 * --rootpgt PA: physical address of swapper_pg_dir.  libkdumpfile 0.5.1
 *   takes the root from VMCOREINFO as a kernel virtual address and then
 *   cannot read it ("No suitable capabilities"), so the caller passes
 *   SYMBOL(swapper_pg_dir) - PAGE_OFFSET, set as addrxlat.force.rootpgt
 *   in KPHYSADDR.
 *
 * Build: cc -O2 -o kdf_vtop kdf_vtop.c -lkdumpfile -laddrxlat
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>

static void die(const char *what, kdump_ctx_t *k)
{
	fprintf(stderr, "kdf_vtop: %s: %s\n", what, k ? kdump_get_err(k) : strerror(errno));
	exit(2);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

int main(int argc, char **argv)
{
	const char *arch = NULL, *rootpgt = NULL, *path;
	char line[256];
	kdump_ctx_t *k;
	addrxlat_ctx_t *axctx;
	addrxlat_sys_t *axsys;
	const addrxlat_meth_t *meth;
	int i, fd;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (!strcmp(argv[i], "--arch") && i + 1 < argc)
			arch = argv[++i];
		else if (!strcmp(argv[i], "--rootpgt") && i + 1 < argc)
			rootpgt = argv[++i];
		else {
			fprintf(stderr, "kdf_vtop: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (i + 1 != argc) {
		fprintf(stderr, "usage: kdf_vtop [--arch NAME] [--rootpgt PA] VMCORE < ADDRS\n");
		return 2;
	}
	path = argv[i];
	k = kdump_new();
	if (!k)
		die("kdump_new", NULL);
	if (arch && kdump_set_string_attr(k, "arch.name", arch) != KDUMP_OK)
		die("setting arch.name", k);
	if (rootpgt &&
	    (kdump_set_number_attr(k, "addrxlat.force.rootpgt.as", ADDRXLAT_KPHYSADDR) != KDUMP_OK ||
	     kdump_set_address_attr(k, "addrxlat.force.rootpgt.addr",
				   strtoull(rootpgt, NULL, 0)) != KDUMP_OK))
		die("setting addrxlat.force.rootpgt", k);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path, NULL);
	if (kdump_open_fd(k, fd) != KDUMP_OK)
		die(path, k);
	if (kdump_set_string_attr(k, "addrxlat.ostype", "linux") != KDUMP_OK)
		die("setting addrxlat.ostype", k);
	if (kdump_get_addrxlat(k, &axctx, &axsys) != KDUMP_OK)
		die("kdump_get_addrxlat", k);
	meth = addrxlat_sys_get_meth(axsys, ADDRXLAT_SYS_METH_PGT);
	if (!meth || meth->kind != ADDRXLAT_PGT) {
		fprintf(stderr, "kdf_vtop: no page-table method for this dump\n");
		return 2;
	}
	{
		const addrxlat_param_pgt_t *p = &meth->param.pgt;
		fprintf(stderr, "kdf_vtop: pte format %s, root %s:0x%" PRIx64 ", fields",
			addrxlat_pte_format_name(p->pf.pte_format),
			addrxlat_addrspace_name(p->root.as), (uint64_t)p->root.addr);
		for (unsigned f = 0; f < p->pf.nfields; f++)
			fprintf(stderr, " %u", p->pf.fieldsz[f]);
		fputc('\n', stderr);
	}

	while (fgets(line, sizeof line, stdin)) {
		const addrxlat_param_pgt_t *p = &meth->param.pgt;
		addrxlat_step_t step;
		addrxlat_status st;
		uint64_t va;
		char *end;
		unsigned leaf_remain = 0, shift = 0;

		va = strtoull(line, &end, 16);
		if (end == line)
			continue;
		memset(&step, 0, sizeof step);
		step.ctx = axctx;
		step.sys = axsys;
		step.meth = meth;
		addrxlat_ctx_clear_err(axctx);
		st = addrxlat_launch(&step, va);
		while (st == ADDRXLAT_OK && step.remain) {
			unsigned r = step.remain;
			st = addrxlat_step(&step);
			if (st == ADDRXLAT_OK && r >= 2)
				leaf_remain = r; /* this step read a table entry */
		}
		printf("{\"va\":\"0x%" PRIx64 "\",", va);
		if (st == ADDRXLAT_OK && (step.base.as == ADDRXLAT_KPHYSADDR ||
					  step.base.as == ADDRXLAT_MACHPHYSADDR)) {
			/* Entry read at remain r indexes field r-1; a leaf there
			 * maps the bits of fields 0 .. r-2. */
			for (unsigned f = 0; f + 2 <= leaf_remain && f < p->pf.nfields; f++)
				shift += p->pf.fieldsz[f];
			printf("\"status\":\"mapped\",\"pa\":\"0x%" PRIx64 "\",\"page_size\":%" PRIu64 "}\n",
			       (uint64_t)step.base.addr, (uint64_t)1 << shift);
		} else if (st == ADDRXLAT_ERR_NOTPRESENT) {
			printf("\"status\":\"unmapped\"}\n");
		} else {
			const char *e = addrxlat_ctx_get_err(axctx);
			printf("\"status\":\"error\",\"note\":");
			if (st == ADDRXLAT_OK)
				json_str("walk ended outside KPHYSADDR");
			else
				json_str(e ? e : "unknown error");
			printf("}\n");
		}
	}
	kdump_free(k);
	return 0;
}
