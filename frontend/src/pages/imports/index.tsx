export default function Page() {
  return <div>TODO imports</div>
}
