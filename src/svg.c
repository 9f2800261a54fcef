/* svg.c - a picture of the kernel address space (part of the CLI: it
 * writes output, so it does not live in the library).
 *
 * Regions are stacked top to bottom in address order as bands on a
 * piecewise axis: each band's height grows with log2 of its size, so a
 * 4 KiB vsyscall page and a 32 PiB direct map both stay visible, and the
 * axis labels give the real bounds.  Inside a band, the upper bar is the
 * share of the region that the page tables map (at least a sliver when
 * anything is), the lower bar the share of those mapped bytes that the
 * dump holds: what a filtered dump kept, at a glance.  Nested regions (.text/.data/.init in lowmem) are
 * drawn indented inside their parent. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kmapdump.h"
#include "svg.h"

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else
			fputc(*s, f);
	}
}

static double band_height(uint64_t size)
{
	double l = size ? log2((double)size) : 0;
	/* 4 KiB (12) -> 26 px ... 32 PiB (55) -> 112 px */
	return 26 + (l > 12 ? (l - 12) * 2.0 : 0);
}

int svg_write(FILE *f, const struct kmd_info *in, const struct svg_band *b,
	      size_t n)
{
	const double left = 250, barw = 420, width = 1160;
	double y = 90, total = 90;
	char s1[32], s2[32], s3[32];

	for (size_t i = 0; i < n; i++)
		total += band_height(b[i].r->end - b[i].r->start) + 6;
	total += 60;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		   "font-family=\"DejaVu Sans Mono, monospace\" font-size=\"12\">\n",
		width, total);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
	fprintf(f, "<text x=\"20\" y=\"30\" font-size=\"18\" font-weight=\"bold\">Kernel address space: ");
	esc(f, in->release[0] ? in->release : "unknown kernel");
	fprintf(f, " (%s, %s paging)</text>\n", in->arch, in->paging ? in->paging : "?");
	fprintf(f, "<text x=\"20\" y=\"52\" fill=\"#444\">");
	esc(f, in->dump_path);
	fprintf(f, " (%s%s) &#8212; KASLR offset 0x%" PRIx64 ", phys_base 0x%" PRIx64 "</text>\n",
		in->format, in->incomplete ? ", INCOMPLETE" : "", in->kaslr_offset,
		in->phys_base);
	/* Legend */
	fprintf(f, "<rect x=\"%.0f\" y=\"62\" width=\"14\" height=\"12\" fill=\"#9ecae1\"/>"
		   "<text x=\"%.0f\" y=\"73\">upper bar: share of the region mapped</text>\n",
		left, left + 20);
	fprintf(f, "<rect x=\"%.0f\" y=\"62\" width=\"14\" height=\"12\" fill=\"#08519c\"/>"
		   "<text x=\"%.0f\" y=\"73\">lower bar: share of the mapped bytes present in the dump</text>\n",
		left + 330, left + 350);
	fprintf(f, "<text x=\"20\" y=\"73\" fill=\"#666\">band height ~ log2(size)</text>\n");

	for (size_t i = 0; i < n; i++) {
		const struct kmd_region *r = b[i].r;
		uint64_t size = r->end - r->start;
		double h = band_height(size);
		double indent = r->parent ? 24 : 0;
		double fm = size ? (double)b[i].mapped / (double)size : 0;
		double fp = b[i].mapped ? (double)b[i].present / (double)b[i].mapped : 0;
		double x = left + indent, w = barw - indent;
		/* A tiny share must still show: at least 2 px if nonzero. */
		double wm = fm > 0 ? fmax(2, w * fm) : 0;
		double wp = fp > 0 ? fmax(2, w * fp) : 0;

		fprintf(f, "<g>\n<title>");
		esc(f, r->name);
		fprintf(f, ": 0x%016" PRIx64 " - 0x%016" PRIx64 "</title>\n", r->start, r->end);
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			   "fill=\"#f0f0f0\" stroke=\"#888\"/>\n", x, y, w, h);
		if (wm)
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#9ecae1\"/>\n",
				x, y + 3, fmin(wm, w), h / 2 - 4);
		if (b[i].mapped)
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#deebf7\"/>\n",
				x, y + h / 2 + 1, w, h / 2 - 4);
		if (wp)
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#08519c\"/>\n",
				x, y + h / 2 + 1, fmin(wp, w), h / 2 - 4);
		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" font-weight=\"bold\" text-anchor=\"end\">",
			left - 10 + indent, y + h / 2 - 2);
		esc(f, r->name);
		fprintf(f, "</text>\n<text x=\"%.0f\" y=\"%.1f\" font-size=\"10\" fill=\"#444\" text-anchor=\"end\">0x%016" PRIx64 "</text>\n",
			left - 10 + indent, y + h / 2 + 11, r->start);
		cli_human(size, s1, sizeof(s1));
		cli_human(b[i].mapped, s2, sizeof(s2));
		cli_human(b[i].present, s3, sizeof(s3));
		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\">%s, mapped %s</text>\n",
			left + barw + 12, y + h / 2 - 3, s1, s2);
		if (b[i].mapped)
			fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" fill=\"#08519c\">present %s (%.1f%% of mapped)</text>\n",
				left + barw + 12, y + h / 2 + 12, s3, 100 * fp);
		fprintf(f, "</g>\n");
		y += h + 6;
	}
	fprintf(f, "<text x=\"20\" y=\"%.0f\" fill=\"#666\">Regions in address order; "
		   "start addresses on the left. Made by kmapdump.</text>\n", y + 24);
	fprintf(f, "</svg>\n");
	return ferror(f) ? -1 : 0;
}
