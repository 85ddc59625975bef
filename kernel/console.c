// SPDX-License-Identifier: MIT
/*
 * kernel/console.c - the serial console (COM1, 115200 8N1, polled) and
 * the kernel's printf.  Everything the kernel and its user tasks print
 * goes out here; under QEMU -serial stdio it is the test's transcript.
 * qemu_exit() leaves QEMU through the isa-debug-exit device.
 */
#include "kernel.h"

#define COM1 0x3f8

void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* DLAB */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FIFO */
	outb(COM1 + 4, 0x03);
}

static void serial_putc(char c)
{
	int spin = 100000;

	while (!(inb(COM1 + 5) & 0x20) && --spin)
		;
	outb(COM1, (uint8_t)c);
}

void console_write(const char *s, size_t n)
{
	uint64_t f = irq_save();

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
	irq_restore(f);
}

int kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

void qemu_exit(int code)
{
	outb(0xf4, (uint8_t)code); /* isa-debug-exit: QEMU exits (code << 1) | 1 */
	for (;;)
		__asm__ volatile("cli; hlt");
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	__asm__ volatile("cli");
	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("KERNEL PANIC: %s\n", buf);
	dump_stack();
	qemu_exit(3);
}
