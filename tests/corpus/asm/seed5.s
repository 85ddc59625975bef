loop:
r2 -= 1
if r2 s> 0 goto loop
r0 = *(u8 *)skb[1]
exit
