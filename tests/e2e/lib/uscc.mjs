// GB 32100 统一社会信用代码: the 18th character is a checksum over the first 17.
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

export function withCheck(first17) {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += CHARSET.indexOf(first17[i]) * WEIGHTS[i]
  return first17 + CHARSET[(31 - (sum % 31)) % 31]
}

/** A valid code that differs per `n` (for unique test companies). */
export function validUscc(n) {
  return withCheck(`9111010${String(n).padStart(10, '0')}`.slice(0, 17))
}

/** Same code with a wrong check character. */
export function brokenUscc(n) {
  const good = validUscc(n)
  const last = CHARSET[(CHARSET.indexOf(good[17]) + 1) % 31]
  return good.slice(0, 17) + last
}
