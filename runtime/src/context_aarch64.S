/*
 * context_aarch64.S - fiber context switch for AArch64, AAPCS64.
 *
 * Saved frame, 160 bytes at the saved sp (lowest address first):
 *
 *   sp + 0    x19  x20     new fiber: x19 = argument, x20 = entry function
 *   sp + 16   x21  x22
 *   sp + 32   x23  x24
 *   sp + 48   x25  x26
 *   sp + 64   x27  x28
 *   sp + 80   x29  x30     frame pointer, link register (new fiber: trampoline)
 *   sp + 96   d8   d9      low halves of v8-v15: the callee-saved FP state
 *   sp + 112  d10  d11
 *   sp + 128  d12  d13
 *   sp + 144  d14  d15
 *   sp + 160  (caller's frame)
 *
 * FPCR is not saved: unlike x86-64, where MXCSR and the x87 control word are
 * saved, AAPCS64 treats FPCR as thread state that callees must restore.
 */
	.text
	.globl urt__ctx_switch
	.hidden urt__ctx_switch
	.type urt__ctx_switch, %function
	/* void urt__ctx_switch(struct urt__ctx *from (x0), struct urt__ctx *to (x1)) */
urt__ctx_switch:
	sub sp, sp, #160
	stp x19, x20, [sp, #0]
	stp x21, x22, [sp, #16]
	stp x23, x24, [sp, #32]
	stp x25, x26, [sp, #48]
	stp x27, x28, [sp, #64]
	stp x29, x30, [sp, #80]
	stp d8, d9, [sp, #96]
	stp d10, d11, [sp, #112]
	stp d12, d13, [sp, #128]
	stp d14, d15, [sp, #144]
	mov x2, sp
	str x2, [x0]
	ldr x2, [x1]
	mov sp, x2
	ldp x19, x20, [sp, #0]
	ldp x21, x22, [sp, #16]
	ldp x23, x24, [sp, #32]
	ldp x25, x26, [sp, #48]
	ldp x27, x28, [sp, #64]
	ldp x29, x30, [sp, #80]
	ldp d8, d9, [sp, #96]
	ldp d10, d11, [sp, #112]
	ldp d12, d13, [sp, #128]
	ldp d14, d15, [sp, #144]
	add sp, sp, #160
	ret
	.size urt__ctx_switch, .-urt__ctx_switch

	.globl urt__ctx_trampoline
	.hidden urt__ctx_trampoline
	.type urt__ctx_trampoline, %function
urt__ctx_trampoline:
	mov x0, x19
	blr x20
	brk #0 /* entry never returns */
	.size urt__ctx_trampoline, .-urt__ctx_trampoline

	.section .note.GNU-stack,"",%progbits
