const KEY = 'loan-broker.token'

let memoryToken: string | null = null

export function getToken(): string | null {
  try {
    return globalThis.localStorage?.getItem(KEY) ?? memoryToken
  } catch {
    return memoryToken
  }
}

export function setToken(token: string): void {
  memoryToken = token
  try {
    globalThis.localStorage?.setItem(KEY, token)
  } catch {
    /* private mode: keep it in memory */
  }
}

export function clearToken(): void {
  memoryToken = null
  try {
    globalThis.localStorage?.removeItem(KEY)
  } catch {
    /* ignore */
  }
}
