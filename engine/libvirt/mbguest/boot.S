/* SPDX-License-Identifier: MIT */
/*
 * Multiboot (v1) entry of the migration guest.  The loader enters the BSP
 * in 32-bit protected mode, paging off, %ebx -> multiboot info.  APs are
 * started at ap_trampoline, copied to 0x8000, in 16-bit real mode.
 */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000003	/* page-align, memory info */
#define STACK_SIZE	0x4000
#define MAX_CPUS	64
#define TRAMPOLINE	0x8000

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.section .text
	.code32
	.globl _start
_start:
	cli
	lgdt	gdtr
	ljmp	$0x08, $1f
1:	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	cld				/* zero .bss (the stacks too) before any push */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb
	movl	$stacks + STACK_SIZE, %esp
	pushl	%ebx			/* multiboot info */
	call	mbg_main
2:	cli
	hlt
	jmp	2b

/* 32-bit entry of an AP, from the trampoline. */
ap_entry32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	$1, %eax
	lock xaddl %eax, ap_next	/* this AP's index: 1, 2, ... */
	incl	%eax
	cmpl	$MAX_CPUS, %eax
	jae	2b
	movl	%eax, %ecx
	incl	%ecx
	imull	$STACK_SIZE, %ecx
	leal	stacks(%ecx), %esp
	pushl	%eax
	call	mbg_ap_main
	jmp	2b

	.globl ap_trampoline, ap_trampoline_end
	.code16
ap_trampoline:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	TRAMPOLINE + (tramp_gdtr - ap_trampoline)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	.byte	0x66, 0xea		/* ljmpl $0x08, $ap_entry32 */
	.long	ap_entry32
	.word	0x08
	.align 8
tramp_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* flat 32-bit code */
	.quad	0x00cf92000000ffff	/* flat data */
tramp_gdtr:
	.word	3 * 8 - 1
	.long	TRAMPOLINE + (tramp_gdt - ap_trampoline)
ap_trampoline_end:
	.code32

	.section .data
	.align 8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff
	.quad	0x00cf92000000ffff
gdtr:
	.word	3 * 8 - 1
	.long	gdt
	.globl ap_next
ap_next:
	.long	0

	.section .bss
	.align 16
	.globl stacks
stacks:
	.space	STACK_SIZE * (MAX_CPUS + 1)
