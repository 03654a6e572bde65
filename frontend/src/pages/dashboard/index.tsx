export default function Page() {
  return <div>TODO dashboard</div>
}
