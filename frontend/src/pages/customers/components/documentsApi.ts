import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, authFetch } from '../../../api/client'
import { unwrap } from '../../../api/errors'
import type { Res } from '../../../api/types'
import { CATALOGUE } from '../../../domain/vocabulary.gen'

export type CustomerDocument = Res<'/api/customers/{id}/documents'>[number]
export type MissingDocuments = Res<'/api/customers/{id}/documents/missing'>
export type DocumentChecklist = Res<'/api/document-checklist'>
export type DocumentKind = CustomerDocument['kind']

export const DOCUMENT_KIND_OPTIONS: { value: DocumentKind; label: string }[] = CATALOGUE.vocabularies.DocumentKind.map(
  (t) => ({ value: t.code as DocumentKind, label: t.label }),
)
const KIND_LABELS: Record<string, string> = Object.fromEntries(DOCUMENT_KIND_OPTIONS.map((o) => [o.value, o.label]))
export const kindLabel = (k: string) => KIND_LABELS[k] ?? k

/** What the service accepts (it checks the content; this only narrows the file picker). */
export const ACCEPT = '.pdf,.jpg,.jpeg,.png,.webp,.xlsx,application/pdf,image/jpeg,image/png,image/webp'

export const documentKeys = {
  list: (customerId: number) => ['customers', 'one', customerId, 'documents'] as const,
  missing: (customerId: number) => ['customers', 'one', customerId, 'documents', 'missing'] as const,
  checklist: ['document-checklist'] as const,
}

export function useDocuments(customerId: number) {
  return useQuery({
    queryKey: documentKeys.list(customerId),
    queryFn: () => unwrap(api.GET('/api/customers/{id}/documents', { params: { path: { id: customerId } } })),
  })
}

/** Keyed by the latest diagnosis as well, so that a new diagnosis refreshes it. */
export function useMissingDocuments(customerId: number, latestDiagnosisId?: number | null) {
  return useQuery({
    queryKey: [...documentKeys.missing(customerId), latestDiagnosisId ?? null],
    queryFn: () => unwrap(api.GET('/api/customers/{id}/documents/missing', { params: { path: { id: customerId } } })),
  })
}

export function useUploadDocument(customerId: number) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: async ({ file, kind, note }: { file: File; kind: DocumentKind; note?: string }) => {
      const fd = new FormData()
      fd.append('file', file, file.name)
      fd.append('kind', kind)
      if (note?.trim()) fd.append('note', note.trim())
      const res = await authFetch(`/api/customers/${customerId}/documents`, { method: 'POST', body: fd })
      return (await res.json()) as CustomerDocument
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: documentKeys.list(customerId) }),
  })
}

export function useDeleteDocument(customerId: number) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/documents/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: documentKeys.list(customerId) }),
  })
}

/** The document's bytes as an object URL (the content endpoint needs the bearer token). */
export async function documentObjectUrl(id: number): Promise<string> {
  const res = await authFetch(`/api/documents/${id}/content?inline=true`)
  return URL.createObjectURL(await res.blob())
}

export function useDocumentChecklist() {
  return useQuery({ queryKey: documentKeys.checklist, queryFn: () => unwrap(api.GET('/api/document-checklist')) })
}

export function useSaveDocumentChecklist() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (body: DocumentChecklist) => unwrap(api.PUT('/api/document-checklist', { body })),
    onSuccess: (c) => {
      qc.setQueryData(documentKeys.checklist, c)
      qc.invalidateQueries({ queryKey: ['customers'] })
    },
  })
}

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/**
 * "营业执照、纳税证明（税贷（通用）需要）；银行流水（流水贷（通用）需要）": kinds needed by the same
 * products share one clause.
 */
export function missingText(m: MissingDocuments): string {
  const groups = new Map<string, string[]>()
  for (const k of m.kinds) {
    const who = k.product_names.join('、')
    groups.set(who, [...(groups.get(who) ?? []), kindLabel(k.kind)])
  }
  return [...groups].map(([who, kinds]) => `${kinds.join('、')}（${who}需要）`).join('；')
}
