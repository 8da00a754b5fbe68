/* SPDX-License-Identifier: MIT */
/*
 * Guest entry.  The host enters every vCPU here in 64-bit mode with paging
 * on, %rsp at the top of its own stack and %rdi pointing at its
 * struct mb_guest_args.  guest_main() never returns; if it did, halt.
 */
	.section .text.start, "ax"
	.globl _start
	.code64
_start:
	call	guest_main
1:	hlt
	jmp	1b
